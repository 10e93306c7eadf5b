"""The identity of a dataset: the SHA-256 of its bytes (docs/registry.md, "Datasets").

A file's digest is the SHA-256 of its bytes; a folder's, of a sha256sum-style manifest of every
file under it, so ``sha256sum -c`` checks it and the ledger names exactly the data a model was
trained and validated on. `folder_files` is the one walk of a dataset folder: reading a folder
(`govern.registry.tables`) takes its files in the manifest's order.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from govern.errors import BadInput, NotFound
from govern.registry._ijson import json_number

__all__ = [
    "dataset_digest",
    "existing",
    "file_digest",
    "folder_digest",
    "folder_files",
    "manifest_bytes",
]

_CHUNK: Final = 1 << 20


def existing(path: Path) -> Path:
    """``path`` as a Path; NotFound if there is no file or folder there."""
    path = Path(path)
    if not path.exists():
        raise NotFound(f"no file or folder at {path}")
    return path


def _walk(root: Path, folder: Path, out: list[tuple[str, Path]]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                # A link would make the digest cover bytes that live, and can change, elsewhere.
                raise BadInput(
                    f"{path} is a symbolic link; a dataset folder must hold its files itself",
                    hint="copy the linked file into the folder",
                )
            if entry.is_dir(follow_symlinks=False):
                _walk(root, path, out)
            elif entry.is_file(follow_symlinks=False):
                rel = path.relative_to(root).as_posix()
                if "\n" in rel or "\r" in rel:
                    raise BadInput(f"{path!r} has a line break in its name; rename it")
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise BadInput(
                        f"{path!r} has a name that is not valid UTF-8; rename it"
                    ) from exc
                out.append((rel, path))
            else:
                raise BadInput(f"{path} is neither a regular file nor a folder")


def folder_files(folder: Path) -> list[tuple[str, Path]]:
    """Every file under `folder` as (relative POSIX path, path), sorted by relative path.

    Hidden files count like any other; symbolic links, special files and names with line breaks
    are refused; an empty folder is refused.
    """
    out: list[tuple[str, Path]] = []
    _walk(folder, folder, out)
    if not out:
        raise BadInput(f"the folder {folder} holds no files, so it is not a dataset")
    # Code-point order, which is the byte order of the UTF-8 names (as `LC_ALL=C sort`).
    out.sort(key=lambda item: item[0])
    return out


def _digest_and_size(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, lowercase hex, read in 1 MiB chunks (any size of file)."""
    path = existing(path)
    if path.is_dir():
        raise BadInput(f"{path} is a folder, not a file", hint="use folder_digest for a folder")
    return _digest_and_size(path)[0]


def manifest_bytes(manifest: Sequence[dict[str, Any]]) -> bytes:
    """The exact bytes a folder digest hashes, rebuilt from a manifest (see `folder_digest`)."""
    lines = sorted((str(m["path"]), str(m["sha256"])) for m in manifest)
    return "".join(f"{sha}  {rel}\n" for rel, sha in lines).encode("utf-8")


def folder_digest(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """The SHA-256 of a folder's manifest, and the manifest as [{"path", "sha256", "size"}].

    The manifest's bytes: for every file under the folder, at any depth, hidden files included,
    one line `<sha256 of the file, 64 lowercase hex>  <relative path>\\n` (two spaces, the path
    relative to the folder with "/" separators, UTF-8), the lines sorted by path in code-point
    order (the byte order of UTF-8, as `LC_ALL=C sort`). That is the text `sha256sum` prints for
    those paths, so `sha256sum -c` run in the folder checks it. Folders themselves are not
    listed (an empty subfolder does not change the digest). Symbolic links, special files and
    names with line breaks are refused with BadInput, as is a folder with no files; a missing
    path raises NotFound. `size` is in bytes and is not part of the hashed text.
    """
    path = existing(path)
    if not path.is_dir():
        raise BadInput(f"{path} is a file, not a folder", hint="use file_digest for a file")
    manifest: list[dict[str, Any]] = []
    for rel, file in folder_files(path):
        sha, size = _digest_and_size(file)
        manifest.append({"path": rel, "sha256": sha, "size": json_number(size)})
    return hashlib.sha256(manifest_bytes(manifest)).hexdigest(), manifest


def dataset_digest(path: Path) -> str:
    """`folder_digest` of a folder or `file_digest` of a file; NotFound if there is neither."""
    path = existing(path)
    return folder_digest(path)[0] if path.is_dir() else file_digest(path)
