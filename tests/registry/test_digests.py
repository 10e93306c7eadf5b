"""Tests for govern.registry.digests: file and folder digests, the manifest's bytes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from govern.errors import BadInput
from govern.registry.digests import dataset_digest, file_digest, folder_digest, manifest_bytes
from tests.registry.frames import GERMAN, assert_json_safe

# --- Digests ---------------------------------------------------------------------------------


def test_file_digest_is_sha256_of_the_bytes_across_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 10_000 + b"tail"  # 2.4 MiB: three 1 MiB reads
    (tmp_path / "big.csv").write_bytes(data)
    assert file_digest(tmp_path / "big.csv") == hashlib.sha256(data).hexdigest()
    assert dataset_digest(tmp_path / "big.csv") == hashlib.sha256(data).hexdigest()
    assert file_digest(GERMAN) == hashlib.sha256(GERMAN.read_bytes()).hexdigest()


def make_folder(root: Path) -> Path:
    folder = root / "ds"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.csv").write_bytes(b"x\n2\n")
    (folder / "a.csv").write_bytes(b"x\n1\n")
    (folder / "sub" / "c.csv").write_bytes(b"x\n3\n")
    (folder / ".hidden").write_bytes(b"secret\n")
    return folder


def test_folder_digest_hashes_the_documented_manifest(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    digest, manifest = folder_digest(folder)

    def sha(b: bytes) -> str:
        return hashlib.sha256(b).hexdigest()

    hidden, a, b, c = sha(b"secret\n"), sha(b"x\n1\n"), sha(b"x\n2\n"), sha(b"x\n3\n")
    expected_text = f"{hidden}  .hidden\n{a}  a.csv\n{b}  b.csv\n{c}  sub/c.csv\n".encode()
    assert digest == sha(expected_text)
    assert manifest_bytes(manifest) == expected_text
    assert manifest == [
        {"path": ".hidden", "sha256": hidden, "size": 7},
        {"path": "a.csv", "sha256": a, "size": 4},
        {"path": "b.csv", "sha256": b, "size": 4},
        {"path": "sub/c.csv", "sha256": c, "size": 4},
    ]
    assert dataset_digest(folder) == digest
    assert_json_safe(manifest)


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_folder_manifest_is_what_sha256sum_prints(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    _, manifest = folder_digest(folder)
    paths = [m["path"] for m in manifest]
    out = subprocess.run(
        ["sha256sum", "--", *paths], cwd=folder, capture_output=True, check=True
    ).stdout
    assert out == manifest_bytes(manifest)


def test_folder_digest_changes_with_any_file_and_only_with_files(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    base = dataset_digest(folder)
    (folder / "empty-subfolder").mkdir()
    assert dataset_digest(folder) == base  # folders are not listed, as documented
    (folder / ".hidden").write_bytes(b"secret!\n")
    changed = dataset_digest(folder)
    assert changed != base
    (folder / "b.csv").rename(folder / "b2.csv")
    assert dataset_digest(folder) not in (base, changed)


def test_digest_of_the_wrong_kind_of_path_is_refused(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    with pytest.raises(BadInput, match="is a folder, not a file") as err:
        file_digest(folder)
    assert err.value.hint is not None and "folder_digest" in err.value.hint
    with pytest.raises(BadInput, match="is a file, not a folder") as err:
        folder_digest(folder / "a.csv")
    assert err.value.hint is not None and "file_digest" in err.value.hint
