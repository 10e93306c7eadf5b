"""Where a command writes (docs/cli.md, "Output"): checked before any work is done and
before anything is signed, recorded or kept, so a bad path costs nothing and leaves nothing.

A file is never overwritten without ``--force``; its folder must exist and be writable; it may
not be a folder, nor one of the command's own inputs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import typer

from govern.errors import BadInput

__all__ = ["ForceOption", "check_folder", "check_output"]

ForceOption = typer.Option(False, "--force", help="Overwrite an output file that exists.")


def check_output(
    path: Path | None,
    *,
    force: bool,
    suffixes: Sequence[str] = (),
    inputs: Sequence[Path | str | None] = (),
) -> None:
    """Refuse, with one line and exit 3, an output path that cannot be written as asked."""
    if path is None:
        return
    if path.is_dir():
        raise BadInput(
            f"-o {path} is a folder: nothing was written", hint="name a file inside it instead"
        )
    if suffixes and path.suffix.lower() not in suffixes:
        raise BadInput(
            f"-o {path.name}: this command writes {' or '.join(suffixes)}, not "
            f"{path.suffix or 'a file without a suffix'}",
            hint=f"name the file with {suffixes[0]}",
        )
    for given in inputs:
        if given is not None and Path(given).exists() and _same(Path(given), path):
            raise BadInput(
                f"-o {path} is the command's own input: writing it would destroy it",
                hint="write the output to another file",
            )
    if path.exists() and not force:
        raise BadInput(f"{path} exists: nothing was written", hint="pass --force to replace it")
    _writable_folder(path.parent if str(path.parent) else Path("."), path)


def check_folder(path: Path) -> None:
    """Refuse an output folder that does not exist, is not a folder, or cannot be written."""
    if path.exists() and not path.is_dir():
        raise BadInput(f"-o {path} is a file, not a folder: nothing was written")
    if not path.exists():
        raise BadInput(
            f"the folder {path} does not exist: nothing was written", hint="create it first"
        )
    if not os.access(path, os.W_OK | os.X_OK):
        raise BadInput(f"the folder {path} is not writable: nothing was written")


def _writable_folder(folder: Path, path: Path) -> None:
    if not folder.is_dir():
        raise BadInput(
            f"the folder {folder} does not exist: nothing was written (-o {path})",
            hint="create it first, or write elsewhere",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"the folder {folder} is not writable: nothing was written (-o {path})")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False
