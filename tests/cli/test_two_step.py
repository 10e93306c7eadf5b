"""Signing elsewhere, for any kind of record: `--statement-out` writes what the command would
record, `ssh-keygen -Y sign` signs it on the signer's workstation, and the same command run with
`--signed` records it, only if the statement still signs exactly that record."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from govern.ledger import Ledger
from tests.cli.test_registry_cli import KEYS, ORIGIN, add_model, run

SSH_KEYGEN = shutil.which("ssh-keygen")


@pytest.fixture(autouse=True)
def _needs_ssh_keygen() -> None:
    if SSH_KEYGEN is None:
        if os.environ.get("GOVERN_REQUIRE_INTEROP") == "1":
            pytest.fail("ssh-keygen is not on PATH (GOVERN_REQUIRE_INTEROP=1)")
        pytest.skip("ssh-keygen is not on PATH; set GOVERN_REQUIRE_INTEROP=1 to fail")


def size(db: Path) -> int:
    with Ledger.open("sqlite:///" + str(db), readonly=True) as ledger:
        return ledger.size


def sign(key: Path, namespace: str, statement: Path) -> None:
    assert SSH_KEYGEN is not None
    done = subprocess.run(
        [SSH_KEYGEN, "-Y", "sign", "-f", str(key), "-n", namespace, str(statement)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def two_step(*args: str) -> tuple[int, str, str]:
    """A command run as someone without their key at hand: only --as."""
    from typer.testing import CliRunner

    from govern.cli.main import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_finding_signed_on_the_validators_workstation(
    setup: dict[str, Path], tmp_path: Path
) -> None:
    s, db = setup, str(setup["db"])
    assert add_model(s)[0] == 0
    finding = ["finding", "add", "credit-risk@1", "Thin holdout", "--severity", "low", "--db", db]
    statement = tmp_path / "finding.json"
    before = size(s["db"])
    code, out, err = two_step("--as", "val", "--statement-out", str(statement), *finding)
    assert code == 0, err
    assert "statement written" in out and "finding@bank.example" in out
    assert size(s["db"]) == before and statement.exists()

    # dan's signature over val's statement is refused; so is the statement for another command
    sign(s["dan"], "finding@bank.example", statement)
    code, _, err = two_step("--as", "val", "--signed", str(statement), *finding)
    assert code == 6 and "signed by dan, not by val" in err
    statement.with_name("finding.json.sig").unlink()
    sign(s["val"], "finding@bank.example", statement)
    other = [*finding[:3], "Another text", *finding[4:]]
    code, _, err = two_step("--as", "val", "--signed", str(statement), *other)
    assert code == 7 and "not what this command records now" in err
    assert size(s["db"]) == before

    code, _, err = two_step("--as", "val", "--signed", str(statement), *finding)
    assert code == 0, err
    with Ledger.open("sqlite:///" + db, readonly=True) as ledger:
        entry = ledger.entry(ledger.size - 1)
    assert (entry.kind, entry.actor) == ("finding.raised", "val")
    assert run("verify", "--db", db)[0] == 0


def test_an_enrolment_and_an_approval_signed_elsewhere(
    setup: dict[str, Path], tmp_path: Path
) -> None:
    s, db = setup, str(setup["db"])
    assert add_model(s)[0] == 0
    eve = tmp_path / "eve_ed25519"
    assert run("keys", "new", "eve", "-o", str(eve))[0] == 0
    enrol = ["people", "add", "eve", "--role", "auditor", "--ssh-key", f"{eve}.pub", "--db", db]
    statement = tmp_path / "enrol.json"
    assert two_step("--as", "ada", "--statement-out", str(statement), *enrol)[0] == 0
    sign(s["ada"], "enrol@bank.example", statement)
    code, _, err = two_step("--as", "ada", "--signed", str(statement), *enrol)
    assert code == 0, err

    approve = [
        "approve",
        "credit-risk@1",
        "--decision",
        "approve",
        "--role",
        "validator",
        "--db",
        db,
    ]
    st = tmp_path / "approval.json"
    assert two_step("--as", "val", "--statement-out", str(st), *approve)[0] == 0
    sign(s["val"], "approval@bank.example", st)
    code, _, err = two_step("--as", "val", "--signed", str(st), *approve)
    assert code == 0, err
    assert run("verify", "--db", db)[0] == 0
    assert ORIGIN.startswith("bank.example/") and set(KEYS) >= {"ada", "val"}
