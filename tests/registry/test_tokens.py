"""Bearer tokens: issued and revoked by signed entries holding only their hash; what an insider
appends around the signatures opens nothing."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.errors import BadInput, NotFound, PolicyViolation, TokenRefused
from govern.records import TokenIssued, subjects
from govern.registry import tokens
from tests.conftest import World


def test_a_token_opens_its_scope_only_and_the_ledger_holds_its_hash(world: World) -> None:
    reg = world.act("ada")
    issued = tokens.issue(reg, "svc", scope="decide")
    assert issued.text.startswith("gvt_") and issued.id in issued.text
    entry = reg.ledger.entry(issued.entry)
    record = TokenIssued.from_entry(entry)
    assert record.sha256 == hashlib.sha256(issued.text.encode()).hexdigest()
    assert issued.text.split(".")[1].encode() not in entry.body  # never the secret
    gate = tokens.Tokens(reg)
    caller = gate.authenticate(f"Bearer {issued.text}", "decide")
    assert (caller.person, caller.scope, caller.token) == ("svc", "decide", issued.id)
    with pytest.raises(PolicyViolation) as wrong:
        gate.authenticate(f"Bearer {issued.text}", "read")
    assert not isinstance(wrong.value, TokenRefused)
    for header in (None, "", "Basic abc", f"Bearer {issued.text[:-1]}", "Bearer gvt_zz.zz"):
        with pytest.raises(TokenRefused):
            gate.authenticate(header, "decide")


def test_scopes_follow_the_holders_roles(world: World) -> None:
    reg = world.act("ada")
    with pytest.raises(PolicyViolation, match="may not log predictions"):
        tokens.issue(reg, "apo", scope="decide")
    with pytest.raises(PolicyViolation, match="none of the roles"):
        tokens.issue(reg, "svc", scope="read")
    with pytest.raises(BadInput, match="not a token scope"):
        tokens.issue(reg, "svc", scope="admin")
    with pytest.raises(NotFound):
        tokens.issue(reg, "nobody", scope="decide")
    # only an administrator issues them
    size = reg.ledger.size
    world.act("dan")
    with pytest.raises(PolicyViolation):
        tokens.issue(reg, "svc", scope="decide")
    assert reg.ledger.size == size


def test_a_revoked_token_opens_nothing(world: World) -> None:
    reg = world.act("ada")
    issued = tokens.issue(reg, "val", scope="read")
    gate = tokens.Tokens(reg, refresh=0)
    gate.authenticate(f"Bearer {issued.text}", "read")
    tokens.revoke(reg, issued.id, reason="left the bank")
    with pytest.raises(TokenRefused, match="revoked"):
        gate.authenticate(f"Bearer {issued.text}", "read")
    with pytest.raises(BadInput, match="already revoked"):
        tokens.revoke(reg, issued.id, reason="again")
    with pytest.raises(NotFound):
        tokens.revoke(reg, "000000000000", reason="never issued")
    [listed] = [t for t in tokens.listing(reg) if t.id == issued.id]
    assert listed.revoked_reason == "left the bank"


def test_a_token_appended_around_the_signatures_opens_nothing(world: World) -> None:
    """An insider with write access appends a token.issued entry of their own: unsigned, it
    fails the replay every gate reads through, and the service refuses the token."""
    reg = world.act("ada")
    text = "gvt_0123456789ab." + "A" * 43
    forged = TokenIssued(
        subject=subjects.token("0123456789ab"),
        token="0123456789ab",
        person="svc",
        scope="decide",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        issued_by="ada",
    )
    reg.ledger.append(forged.KIND, forged.to_payload(), actor="ada")
    with pytest.raises(TokenRefused, match="not issued"):
        tokens.Tokens(reg).authenticate(f"Bearer {text}", "decide")
    assert "0123456789ab" not in {t.id for t in tokens.listing(reg)}


def test_the_commands(world: World) -> None:
    runner = CliRunner()
    db = str(world.reg.ledger.engine.url.render_as_string(hide_password=False))
    key = str(world.keys["ada"])
    issued = runner.invoke(
        app,
        [
            "--sign-with",
            key,
            "tokens",
            "issue",
            "svc",
            "--scope",
            "decide",
            "--expires",
            "2099-12-31",
            "--db",
            db,
        ],
    )
    assert issued.exit_code == 0, issued.output
    text = issued.output.strip().splitlines()[-1]
    assert text.startswith("gvt_")
    token_id = text.split(".")[0][4:]
    listed = runner.invoke(app, ["tokens", "list", "--db", db])
    assert token_id in listed.output and text.split(".")[1] not in listed.output
    bad = runner.invoke(
        app, ["--sign-with", key, "tokens", "issue", "svc", "--scope", "nope", "--db", db]
    )
    assert bad.exit_code == BadInput.exit_code and "not a token scope" in bad.output
    revoked = runner.invoke(
        app, ["--sign-with", key, "tokens", "revoke", token_id, "--reason", "rotated", "--db", db]
    )
    assert revoked.exit_code == 0, revoked.output
