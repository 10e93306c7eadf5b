"""The ledger commands through typer's CliRunner on real SQLite files, and bad input."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.ledger import Ledger, merkle

runner = CliRunner()
ORIGIN = "bank.example/govern/credit"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def reg(tmp_path: Path) -> Path:
    db = tmp_path / "registry.db"
    code, out, err = run("init", "--origin", ORIGIN, "--db", str(db))
    assert code == 0, err
    assert (tmp_path / "registry.key").stat().st_mode & 0o777 == 0o600
    assert ORIGIN + "+" in out
    return db


def snapshot(db: Path) -> bytes:
    """The ledger's content, to show a failed command wrote nothing."""
    with Ledger.open(str(db) if "://" in str(db) else "sqlite:///" + str(db)) as ledger:
        return b"".join(e.body for e in ledger.entries()) + repr(ledger.checkpoints()).encode()


def test_init_log_show_proof_checkpoint_verify(reg: Path, tmp_path: Path) -> None:
    code, out, _ = run("log", "--db", str(reg), "--json")
    assert code == 0
    entries = json.loads(out)
    assert [e["kind"] for e in entries] == ["person.enrolled", "log.created"]
    code, out, _ = run("show", "1", "--db", str(reg), "--raw")
    assert out.startswith('{"actor":"administrator","kind":"person.enrolled"')
    code, out, _ = run("proof", "0", "--db", str(reg))
    proof = json.loads(out)
    assert proof["tree_size"] == 2 and len(proof["inclusion_path"]) == 1
    cp = tmp_path / "cp.txt"
    assert run("checkpoint", "--db", str(reg), "-o", str(cp))[0] == 0
    assert cp.read_text().startswith(ORIGIN + "\n2\n")
    code, out, _ = run("verify", "--db", str(reg), "--checkpoint", str(cp), "--json")
    assert code == 0 and json.loads(out)["consistent_with"]["size"] == 2


def test_missing_database(tmp_path: Path) -> None:
    code, _, err = run("verify", "--db", str(tmp_path / "nope.db"))
    assert code == 4 and "there is no registry" in err and "Traceback" not in err
    assert not (tmp_path / "nope.db").exists()


def test_unwritable_path(tmp_path: Path) -> None:
    code, _, err = run("init", "--origin", ORIGIN, "--db", str(tmp_path / "no" / "such" / "r.db"))
    assert code == 5 and "does not exist" in err
    # /proc refuses new files even to root; the key must not be left behind either.
    key = tmp_path / "k.key"
    code, _, err = run("init", "--origin", ORIGIN, "--db", "/proc/registry.db", "--key", str(key))
    assert code == 5 and "cannot" in err and "Traceback" not in err
    assert not key.exists() and not Path("/proc/registry.db").exists()


def test_unreachable_postgres(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
    code, _, err = run("verify", "--db", url)
    assert code == 5 and "cannot be used" in err and "Traceback" not in err
    code, _, err = run("init", "--origin", ORIGIN, "--db", url, "--key", str(tmp_path / "k"))
    assert code == 5
    assert list(tmp_path.iterdir()) == []  # the key file was not left behind


def test_init_twice_is_refused(reg: Path) -> None:
    before = snapshot(reg)
    code, _, err = run("init", "--origin", ORIGIN, "--db", str(reg))
    assert code == 3 and "already exists" in err
    assert snapshot(reg) == before


def test_corrupt_foreign_and_wrong_key_checkpoints(reg: Path, tmp_path: Path) -> None:
    cp = tmp_path / "cp.txt"
    run("checkpoint", "--db", str(reg), "-o", str(cp))
    before = snapshot(reg)
    good = cp.read_text()
    cases = {
        "corrupt": good.replace("\n2\n", "\n3\n"),
        "garbage": "hello\n",
        "foreign": good.replace(ORIGIN, "other.example/log"),
    }
    for name, text in cases.items():
        bad = tmp_path / f"{name}.txt"
        bad.write_text(text)
        code, _, err = run("verify", "--db", str(reg), "--checkpoint", str(bad))
        assert code == 18, (name, err)
        assert err.startswith("error:") and "Traceback" not in err
    # a checkpoint from another registry, with the same origin but its own key
    other = tmp_path / "other"
    other.mkdir()
    run("init", "--origin", ORIGIN, "--db", str(other / "registry.db"))
    run("checkpoint", "--db", str(other / "registry.db"), "-o", str(other / "cp.txt"))
    code, _, err = run("verify", "--db", str(reg), "--checkpoint", str(other / "cp.txt"))
    assert code == 18
    other_vkey = (other / "registry.key").read_text()
    from govern.ledger.note import Signer

    vkey = Signer.from_string(other_vkey.strip()).verifier().to_string()
    code, _, err = run("verify", "--db", str(reg), "--verifier-key", vkey)
    assert code == 18 and "not the key recorded" in err
    assert snapshot(reg) == before


def test_checkpoint_key_must_be_private_and_the_logs(reg: Path, tmp_path: Path) -> None:
    key = tmp_path / "registry.key"
    key.chmod(0o644)
    code, _, err = run("checkpoint", "--db", str(reg))
    assert code == 3 and "chmod 600" in err
    key.chmod(0o600)
    other = tmp_path / "o"
    other.mkdir()
    run("init", "--origin", ORIGIN, "--db", str(other / "r.db"))
    code, _, err = run("checkpoint", "--db", str(reg), "--key", str(other / "r.key"))
    assert code == 3 and "not the log's checkpoint key" in err


def test_verify_exit_code_names_the_entry(reg: Path) -> None:
    from tests.ledger.tamper import drop_guards, execute

    url = "sqlite:///" + str(reg)
    with Ledger.open(url) as ledger:
        ledger.append_batch(("x.event", {"i": i}, "bot") for i in range(10))
    drop_guards(url)
    execute(url, "UPDATE ledger_entries SET body = body || ' ' WHERE seq = 5")
    code, _, err = run("verify", "--db", str(reg))
    assert code == 11 and "entry 5" in err


def test_proof_output_verifies(reg: Path) -> None:
    import base64

    with Ledger.open("sqlite:///" + str(reg)) as ledger:
        ledger.append_batch(("x.event", {"i": i}, "bot") for i in range(13))
    code, out, _ = run("proof", "7", "--size", "12", "--db", str(reg))
    p = json.loads(out)
    dec = base64.b64decode
    merkle.verify_inclusion(
        dec(p["leaf_hash"]), 7, 12, [dec(h) for h in p["inclusion_path"]], dec(p["root_hash"])
    )
    code, _, _ = run("proof", "12", "--size", "12", "--db", str(reg))
    assert code == 4


@pytest.mark.skipif(shutil.which("govern") is None, reason="the govern command is not installed")
def test_installed_command_runs_the_demo(tmp_path: Path) -> None:
    proc = subprocess.run(
        ["govern", "demo", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "verified" in proc.stdout
    demo = tmp_path / "demo"
    assert (demo / "registry.db").exists()
    # What the issue asks the demo to leave behind.
    reports = demo / "reports"
    for made in ("release/card.pdf", "release/validation.pdf", "release/checkpoint.txt"):
        assert (reports / made).stat().st_size > 0, made
    assert len((reports / "scored.csv").read_text().splitlines()) == 1 + 1000
    assert len(list(reports.glob("provenance-demo-*.pdf"))) == 1
    assert len(list(reports.glob("decision-demo-*.pdf"))) == 1
    # The receipt verifies offline with the command the demo prints, after a plain install.
    line = next(
        x.strip() for x in proc.stdout.splitlines() if x.strip().startswith("govern receipt verify")
    )
    args = shlex.split(line)
    check = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "verified: entry" in check.stdout and "prediction.logged" in check.stdout
    # and with the standalone verifier govern writes, without govern
    made = subprocess.run(
        ["govern", "receipt", "verifier", "-o", "verify_receipt.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    receipt_file, key = args[3], args[5]
    check = subprocess.run(
        [sys.executable, "verify_receipt.py", receipt_file, key, args[7]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    proc = subprocess.run(
        [
            "govern",
            "verify",
            "--db",
            str(tmp_path / "demo" / "registry.db"),
            "--checkpoint",
            str(tmp_path / "demo" / "checkpoint.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
