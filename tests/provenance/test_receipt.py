"""Receipts verify offline with the standalone script, and fail after any byte changes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from govern.errors import NoCheckpoint
from govern.ledger.note import generate_signer_key, verifier_from_signer
from govern.ledger.receipt import open_receipt
from govern.provenance import receipt
from tests.provenance.conftest import Demo

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "verify_receipt.py"


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_receipt", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(path: Path, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path), key],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=path.parent,  # nowhere near govern: the script must not need it
    )


@pytest.fixture
def declined_receipt(demo: Demo, tmp_path: Path) -> tuple[bytes, str, int]:
    X, ids = demo.applications()
    batch = demo.reg.scorer("credit-risk@1").decide(X, ids=ids)
    worst = min(range(len(X)), key=lambda i: float(batch.scores[i]))
    text = receipt(demo.reg, ids[worst], key=demo.key)
    return text.encode("utf-8"), demo.verifier_key, batch.first_seq + worst


def test_the_standalone_script_verifies_a_real_receipt(
    declined_receipt: tuple[bytes, str, int], demo: Demo, tmp_path: Path
) -> None:
    data, key, seq = declined_receipt
    assert "import govern" not in SCRIPT.read_text() and "from govern" not in SCRIPT.read_text()
    parsed = open_receipt(data, demo.reg.ledger.verifier, demo.reg.origin)
    assert parsed.index == seq and parsed.entry == demo.reg.entry(seq).body
    path = tmp_path / "receipt.txt"
    path.write_bytes(data)
    done = run_script(path, key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"verified: entry {seq} (prediction.logged" in done.stdout
    assert '"decision": "bad"' in done.stdout
    # the key may also be given as a file
    (tmp_path / "log.pub").write_text(key + "\n")
    assert run_script(path, str(tmp_path / "log.pub")).returncode == 0
    # another log's key does not verify it
    other = verifier_from_signer(generate_signer_key(demo.reg.origin))
    failed = run_script(path, other)
    assert failed.returncode == 1 and "NOT VERIFIED" in failed.stdout


def test_any_changed_byte_fails(declined_receipt: tuple[bytes, str, int], tmp_path: Path) -> None:
    data, key, _seq = declined_receipt
    lines = data.split(b"\n")
    # one changed byte in each part of the file, through the real script in a subprocess
    starts = {
        "header": 0,
        "extra": data.index(b"extra ") + 10,
        "index": data.index(b"index ") + 6,
        "proof": len(lines[0]) + len(lines[1]) + len(lines[2]) + 3 + 5,
        "blank line": data.index(b"\n\n") + 1,
        "origin": data.index(b"\n\n") + 4,
        "size": data.index(b"\n\n") + 2 + len(lines[0]) + 40,
        "signature": data.rindex(b" ") + 5,
        "final newline": len(data) - 1,
    }
    for part, at in starts.items():
        changed = bytearray(data)
        changed[at] ^= 0x01
        path = tmp_path / f"{part}.txt"
        path.write_bytes(bytes(changed))
        done = run_script(path, key)
        assert done.returncode == 1, f"a changed byte in the {part} still verified"
        assert "NOT VERIFIED" in done.stdout
    # and every byte, in process, by the same script's verify function
    module = script()
    verify, failed = module.verify, module.Failed
    verify(data, key)
    survivors = []
    for at in range(len(data)):
        for flip in (0x01, 0x20, 0x80):
            changed = bytearray(data)
            changed[at] ^= flip
            try:
                verify(bytes(changed), key)
            except failed:
                continue
            survivors.append((at, flip))
    assert survivors == []


def test_no_checkpoint_and_no_key(demo: Demo) -> None:
    demo.reg.scorer("credit-risk@1").decide(demo.holdout.iloc[:1], ids=["late"])
    with pytest.raises(NoCheckpoint) as caught:
        receipt(demo.reg, "late")
    assert caught.value.exit_code == 43 and "govern checkpoint" in (caught.value.hint or "")
