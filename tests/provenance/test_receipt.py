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
from govern.ledger.receipt import open_receipt, parse_proof
from govern.provenance import receipt
from govern.provenance.scorer import Scorer
from tests.interop.test_go_interop import Run, b64, go  # noqa: F401 (the fixture)
from tests.provenance.conftest import Demo

SCRIPT = Path(__file__).resolve().parents[2] / "govern" / "provenance" / "verify_receipt.py"


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
    batch = Scorer(demo.reg, "credit-risk@1").decide(X, ids=ids)
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
    # a receipt that cannot be read: one line, exit 2, no traceback
    missing = run_script(tmp_path / "no-such-receipt", key)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.strip().splitlines() == [
        f"cannot read the receipt {tmp_path / 'no-such-receipt'}: No such file or directory"
    ]


def parts(data: bytes) -> dict[str, tuple[int, int]]:
    """Where each part of a receipt lies: name -> (start, end) byte offsets."""
    head, _, note = data.partition(b"\n\n")
    at = len(head) + 2
    body, _, sigs = note.rpartition(b"\n\n")
    lines = head.split(b"\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append((pos, pos + len(line)))
        pos += len(line) + 1
    origin, size, root = body.split(b"\n")
    found = {
        "header": offsets[0],
        "extra": (offsets[1][0] + len(b"extra "), offsets[1][1]),
        "index": (offsets[2][0] + len(b"index "), offsets[2][1]),
        "first proof hash": offsets[3],
        "last proof hash": offsets[-1],
        "blank line": (len(head), len(head) + 2),
        "checkpoint origin": (at, at + len(origin)),
        "checkpoint size": (at + len(origin) + 1, at + len(origin) + 1 + len(size)),
        "checkpoint root": (at + len(origin) + len(size) + 2, at + len(body)),
        "note's blank line": (at + len(body), at + len(body) + 2),
        "em dash": (at + len(body) + 2, at + len(body) + 5),
        "signer name": (at + len(body) + 6, at + len(body) + 6 + len(origin)),
        "signature": (at + len(body) + 7 + len(origin), len(data) - 1),
        "final newline": (len(data) - 1, len(data)),
    }
    assert data[found["em dash"][0] : found["em dash"][1]] == "\u2014".encode()
    assert data[slice(*found["checkpoint root"])] == root and len(root) == 44
    assert data[slice(*found["signer name"])] == origin and sigs.startswith("\u2014 ".encode())
    return found


def test_any_changed_byte_fails(declined_receipt: tuple[bytes, str, int], tmp_path: Path) -> None:
    data, key, _seq = declined_receipt
    # changed bytes at the start, middle and end of each part of the file, through the real
    # script in a subprocess
    tried = 0
    for part, (start, end) in parts(data).items():
        for at in sorted({start, (start + end) // 2, end - 1}):
            changed = bytearray(data)
            changed[at] ^= 0x01
            path = tmp_path / "changed.receipt"
            path.write_bytes(bytes(changed))
            done = run_script(path, key)
            assert done.returncode == 1, f"a changed byte in the {part} (at {at}) still verified"
            assert done.stdout.startswith("NOT VERIFIED: ")
            tried += 1
    assert tried >= 30
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
    Scorer(demo.reg, "credit-risk@1").decide(demo.holdout.iloc[:1], ids=["late"])
    with pytest.raises(NoCheckpoint) as caught:
        receipt(demo.reg, "late")
    assert caught.value.exit_code == 43 and "govern checkpoint" in (caught.value.hint or "")


@pytest.mark.interop
def test_go_checks_a_real_receipt(
    declined_receipt: tuple[bytes, str, int],
    demo: Demo,
    go: Run,  # noqa: F811 (the fixture imported above)
) -> None:
    """golang.org/x/mod's signed-note and tlog packages (tests/interop) accept the receipt's
    checkpoint under the log's verifier key and its inclusion proof for the entry's leaf hash,
    and refuse them for a neighbouring index."""
    data, key, seq = declined_receipt
    parsed = parse_proof(data)
    assert parsed.extra == demo.reg.entry(seq).body and parsed.index == seq
    opened = go("open", {"vkey": key, "note": parsed.checkpoint})
    assert opened["error"] == "" and opened["origin"] == demo.reg.origin
    leaf = go("tree", {"entries": [b64(parsed.extra)]})["leaves"][0]
    assert leaf == b64(demo.reg.entry(seq).leaf)
    check = {
        "size": opened["size"],
        "root": opened["root"],
        "index": parsed.index,
        "leaf": leaf,
        "proof": [b64(h) for h in parsed.proof],
    }
    wrong = {**check, "index": parsed.index ^ 1}
    got = go("check", {"inclusion": [check, wrong], "consistency": []})["inclusion"]
    assert got[0] == "" and got[1] != ""


def test_govern_receipt_verify_and_the_written_verifier(
    declined_receipt: tuple[bytes, str, int], demo: Demo, tmp_path: Path
) -> None:
    """`govern receipt verify` accepts the receipt and refuses it after a changed byte or for
    another decision; `govern receipt verifier -o` writes the same script, which does the same
    in a subprocess."""
    from typer.testing import CliRunner

    from govern.cli.main import app

    data, key, seq = declined_receipt
    subject = demo.reg.entry(seq).payload["subject"]
    path = tmp_path / "receipt.txt"
    path.write_bytes(data)
    runner = CliRunner()
    done = runner.invoke(app, ["receipt", "verify", str(path), "--key", key, "--id", subject])
    assert done.exit_code == 0, done.stderr
    assert f"verified: entry {seq} (prediction.logged, {subject})" in done.stdout
    other = runner.invoke(app, ["receipt", "verify", str(path), "--key", key, "--id", "APP-9"])
    assert other.exit_code == 20 and "not for the expected 'APP-9'" in other.stderr
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01
    bad = tmp_path / "changed.txt"
    bad.write_bytes(bytes(changed))
    refused = runner.invoke(app, ["receipt", "verify", str(bad), "--key", key])
    assert refused.exit_code == 20 and refused.stderr.startswith("error: the receipt changed.txt")
    assert len(refused.stderr.strip().splitlines()) == 2  # the error and its hint
    # the standalone verifier as govern writes it: byte for byte the shipped script
    written = tmp_path / "elsewhere" / "verify_receipt.py"
    missing = runner.invoke(app, ["receipt", "verifier", "-o", str(written)])
    assert missing.exit_code == 3 and not written.exists()
    written.parent.mkdir()
    assert runner.invoke(app, ["receipt", "verifier", "-o", str(written)]).exit_code == 0
    assert written.read_bytes() == SCRIPT.read_bytes()
    again = runner.invoke(app, ["receipt", "verifier", "-o", str(written)])
    assert again.exit_code == 3 and "--force" in again.stderr
    for receipt_file, expected, code in ((path, subject, 0), (path, "APP-9", 1), (bad, None, 1)):
        args = [sys.executable, str(written), str(receipt_file), key]
        ran = subprocess.run(
            [*args, *([expected] if expected else [])],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=written.parent,
        )
        assert ran.returncode == code, ran.stdout + ran.stderr
