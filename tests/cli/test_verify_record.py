"""`govern verify --record`: the result, passed or failed, as a signed verify.completed entry
(docs/auditor.md, "The ledger's state")."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from typer.testing import CliRunner

from govern.cli.main import app
from govern.records import VerifyCompleted
from govern.registry import Registry, verification
from govern.registry.bootstrap import InitResult
from tests.ledger.tamper import drop_guards

runner = CliRunner()


def _verify(init: InitResult, *extra: str) -> tuple[int, str]:
    assert init.admin_key is not None
    args = ["--sign-with", str(init.admin_key), "verify", "--db", init.url, *extra]
    done = runner.invoke(app, args)
    return done.exit_code, done.stdout + done.stderr


def test_a_passing_verification_is_recorded_signed(sqlite_registry: InitResult) -> None:
    with Registry.open(sqlite_registry.url, readonly=True) as reg:
        assert verification.latest(reg) is None
    code, out = _verify(sqlite_registry, "--record", "--json")
    assert code == 0, out
    checked = json.loads(out[: out.rindex("}") + 1])
    with Registry.open(sqlite_registry.url, readonly=True) as reg:
        latest = verification.latest(reg)
        assert latest is not None
        entry = reg.ledger.entry(latest.entry)
        assert entry.kind == VerifyCompleted.KIND and entry.actor == "ada"
        assert VerifyCompleted.from_entry(entry).signature  # signed by its author
        assert reg.ledger.size == latest.entry + 1
    assert latest.ok and latest.code == 0 and latest.problems == ()
    assert latest.size == checked["size"] == latest.entry
    assert base64.b64encode(bytes.fromhex(latest.root)).decode() == checked["root_hash"]
    # the recorded entry verifies with everything else
    assert _verify(sqlite_registry)[0] == 0


def test_a_failed_verification_is_recorded_with_its_exit_code(
    sqlite_registry: InitResult,
) -> None:
    drop_guards(sqlite_registry.url)
    plain, _ = _verify(sqlite_registry)
    code, out = _verify(sqlite_registry, "--record")
    assert code == plain != 0, out
    with Registry.open(sqlite_registry.url, readonly=True) as reg:
        latest = verification.latest(reg)
    assert latest is not None and not latest.ok and latest.code == code
    assert any("guards" in p for p in latest.problems)


def test_without_record_nothing_is_appended(sqlite_registry: InitResult) -> None:
    with Registry.open(sqlite_registry.url, readonly=True) as reg:
        size = reg.ledger.size
    assert _verify(sqlite_registry)[0] == 0
    with Registry.open(sqlite_registry.url, readonly=True) as reg:
        assert reg.ledger.size == size


def test_recording_needs_a_signing_key(sqlite_registry: InitResult, tmp_path: Path) -> None:
    done = runner.invoke(app, ["verify", "--db", sqlite_registry.url, "--record"])
    assert done.exit_code != 0
    with Registry.open(sqlite_registry.url, readonly=True) as reg:
        assert verification.latest(reg) is None


def test_a_passing_verification_appended_around_the_signatures_is_not_shown(
    sqlite_registry: InitResult,
) -> None:
    """An insider appends a verify.completed of their own saying all is well: unsigned, it
    fails the replay and the ledger page's reader ignores it."""
    with Registry.open(sqlite_registry.url) as reg:
        head = reg.ledger.head()
        forged = VerifyCompleted(
            subject="verify", size=head.size, root=head.root.hex(), ok=True, code=0, problems=()
        )
        reg.ledger.append(forged.KIND, forged.to_payload(), actor="ada")
        assert verification.latest(reg) is None
