"""Edges a careless user or an insider hits (issue 13): one line, a documented exit code, no
traceback, nothing changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from govern.cli.main import app
from tests.provenance.conftest import Demo

runner = CliRunner()


def _run(demo: Demo, *args: str) -> tuple[int, str]:
    done = runner.invoke(app, [*args, "--db", str(demo.db)])
    assert "Traceback" not in done.output
    return done.exit_code, done.stderr


def test_out_of_range_positions_and_versions_are_not_internal_errors(demo: Demo) -> None:
    code, err = _run(demo, "show", "9" * 30)
    assert code == 4 and err.startswith("error: the ledger has no entry 999")
    code, err = _run(demo, "status", "credit-risk@" + "9" * 25)
    assert code == 3 and "out of range" in err
    code, err = _run(demo, "proof", "9" * 25)
    assert code == 4
    code, err = _run(demo, "log", "--limit", "-5")
    assert code == 2 and "greater than or equal to 1" in err


def test_a_narrative_is_read_only_up_to_its_limit(demo: Demo) -> None:
    code, err = _run(
        demo,
        "--sign-with",
        str(demo.key_of("dan")),
        "card",
        "narrative",
        "credit-risk@1",
        "/dev/zero",
    )
    assert code == 3 and "over 1,000,000 bytes" in err


def test_verify_names_an_entry_whose_columns_are_not_utf8(demo: Demo, tmp_path: Path) -> None:
    """An insider rewrites an entry's actor column with bytes that are not UTF-8 (around the
    update guard): verify reports that entry as corrupt (exit 11), not an internal error."""
    demo.reg.close()
    conn = sqlite3.connect(demo.db)
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'govern_ledger_entries_no_update'"
    ).fetchone()[0]
    conn.execute("DROP TRIGGER govern_ledger_entries_no_update")
    conn.execute("UPDATE ledger_entries SET actor = CAST(X'ff61' AS TEXT) WHERE seq = 5")
    conn.execute(trigger)
    conn.commit()
    conn.close()
    code, err = _run(demo, "verify")
    assert code == 11 and err.startswith("error: entry 5's index columns hold bytes")


def test_a_missing_artifact_store_is_its_own_error(demo: Demo, tmp_path: Path) -> None:
    """Not a re-scoring mismatch: exit 57, one line naming the path, for the look-up, explain
    and score; and the default store moved away is the same error."""
    nowhere = str(tmp_path / "nowhere")
    code, err = _run(demo, "provenance", "demo-0001", "--artifacts", nowhere)
    assert code == 57 and err.startswith(f"error: the artifact store is not at {nowhere}")
    assert "DIFFERENT" not in err and "unreliable" not in err
    code, err = _run(
        demo,
        "explain",
        "credit-risk@1",
        "--data",
        "german-holdout@1",
        "--row",
        "0",
        "--artifacts",
        nowhere,
    )
    assert code == 57
    store = demo.folder / "registry.artifacts"
    store.rename(tmp_path / "moved")
    code, err = _run(demo, "provenance", "demo-0001")
    assert code == 57 and "registry.artifacts" in err and "--artifacts" in err
    (tmp_path / "moved").rename(store)
    code, _err = _run(demo, "provenance", "demo-0001", "--format", "json")
    assert code == 0


def test_a_private_key_given_as_a_public_one_is_named(demo: Demo) -> None:
    code, err = _run(
        demo,
        "--sign-with",
        str(demo.key_of("ada")),
        "people",
        "add",
        "eve",
        "--role",
        "developer",
        "--ssh-key",
        str(demo.key_of("dan")),  # the private half
    )
    assert code == 3 and err.startswith("error: this is a private key, not a public one")
    assert "pass the .pub file" in err


def test_a_signing_key_others_may_read_is_refused(demo: Demo, tmp_path: Path) -> None:
    import shutil

    key = tmp_path / "dan_ed25519"
    shutil.copy(demo.key_of("dan"), key)
    key.chmod(0o644)
    narrative = tmp_path / "n.md"
    narrative.write_text("## Purpose\n\nScores applicants.\n")
    before = demo.reg.ledger.head().size
    code, err = _run(
        demo, "--sign-with", str(key), "card", "narrative", "credit-risk@1", str(narrative)
    )
    assert code == 3 and "may be read by others" in err and "chmod 600" in err
    assert demo.reg.ledger.head().size == before
