"""Erasure: no trace of the input in the database file, the ledger still verifies."""

from __future__ import annotations

import re

import pytest

from govern.errors import BadInput, Conflict, NotFound, PolicyViolation
from govern.provenance import erase, inputs, provenance
from govern.provenance.scorer import Scorer
from govern.registry.sshsig import new_keypair
from tests.provenance.conftest import Demo
from tests.provenance.helpers import OVERRIDE, as_privacy_officer, stored_inputs

MARK = "ZQXW-distinctive-purpose-{}"


def raw_bytes(demo: Demo) -> bytes:
    """Every byte SQLite keeps for the registry: the file (free pages included), its
    write-ahead log, the WAL index and a rollback journal if any."""
    files = [demo.db] + [demo.db.with_name(demo.db.name + x) for x in ("-wal", "-shm", "-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_no_trace_of_an_erased_input(demo: Demo) -> None:
    reg = demo.reg
    X, ids = demo.applications()
    X = X.iloc[:200].copy()
    X["purpose"] = [MARK.format(i) for i in range(len(X))]  # an unknown category: still scored
    batch = Scorer(reg, "credit-risk@1").decide(X, ids=ids[:200])
    kept = stored_inputs(reg)
    target = 117
    with reg.ledger.engine.connect() as conn:
        stored = inputs.fetch(conn, batch.first_seq + target)
    assert stored is not None
    before = raw_bytes(demo)
    # it is there before: the distinctive value, the whole canonical row, the 32 random salt bytes
    assert MARK.format(target).encode() in before
    assert stored.row in before and stored.salt in before

    demo.act("ada")
    as_privacy_officer(reg, demo.folder / "keys")
    done = erase(
        reg, ids[target], reason="GDPR Art. 17 request 2026-118", retention_override=OVERRIDE
    )
    assert done.entry.payload["retention_override"] == OVERRIDE
    assert done.wal_truncated is True and done.residue == ()
    assert done.within_retention and done.prediction_entry == batch.first_seq + target
    assert done.entry.kind == "prediction.erased" and done.entry.subject == ids[target]
    assert (
        done.entry.payload["input_commitment"]
        == reg.entry(done.prediction_entry).payload["input_commitment"]
    )

    raw = raw_bytes(demo)
    assert MARK.format(target).encode() not in raw
    assert stored.row not in raw and stored.salt not in raw
    assert MARK.format(target + 1).encode() in raw  # its neighbours are untouched
    assert stored_inputs(reg) == kept - 1

    reg.verify()
    p = provenance(reg, ids[target], key=demo.key)
    assert p.data.input.state == "erased" and p.data.input.values is None
    assert p.data.input.erasure_reason == "GDPR Art. 17 request 2026-118"
    assert p.data.input.erased_by == "priya" and p.data.input.erased_entry == done.entry.seq
    assert p.rescore.state == "not possible" and p.explanation.state == "not available"
    assert p.integrity.verified and p.ok
    assert any("erased" in w and "retention" in w for w in p.warnings)
    assert p.output.score == batch.scores[target]  # the ledger keeps the output

    with pytest.raises(Conflict, match="already erased"):
        erase(reg, ids[target], reason="again")


def test_erasure_refusals(demo: Demo) -> None:
    reg = demo.reg
    Scorer(reg, "credit-risk@1").decide(demo.holdout.iloc[:1], ids=["e1"])
    demo.act("ada")
    size, kept = reg.ledger.size, stored_inputs(reg)
    with pytest.raises(BadInput, match="reason"):
        erase(reg, "e1", reason=" ")
    with pytest.raises(NotFound, match="no prediction with id 'e9'"):
        erase(reg, "e9", reason="request")
    mallory = new_keypair(demo.folder / "mallory_ed25519", comment="mallory")
    with pytest.raises(
        PolicyViolation, match=f"{re.escape(mallory.fingerprint())} is not enrolled"
    ):
        reg.use_key(demo.folder / "mallory_ed25519")
    # within the retention period: an administrator may not erase without a privacy officer's
    # override, nor give one; a developer gives none either
    with pytest.raises(PolicyViolation, match="needs a privacy officer's signed override"):
        erase(reg, "e1", reason="request")
    with pytest.raises(PolicyViolation, match="only a privacy officer may override"):
        erase(reg, "e1", reason="request", retention_override=OVERRIDE)
    demo.act("dan")  # enrolled, but a developer may not erase
    with pytest.raises(PolicyViolation, match="dan holds developer"):
        erase(reg, "e1", reason="request", retention_override=OVERRIDE)
    assert reg.ledger.size == size and stored_inputs(reg) == kept


def test_a_long_reader_does_not_hold_an_erasure(demo: Demo) -> None:
    """Another process reading in a long transaction keeps SQLite from truncating its WAL: the
    erasure still completes (the input is gone, the entry written) and says what is left, in
    the WAL, instead of waiting for the reader (issue 13)."""
    import sqlite3
    import threading

    reg = demo.reg
    X, _ids = demo.applications()
    Scorer(reg, "credit-risk@1").decide(X.iloc[:5], ids=["w0", "w1", "w2", "w3", "w4"])
    reader = sqlite3.connect(demo.db, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM ledger_entries").fetchone()  # holds a snapshot
    demo.act("ada")
    as_privacy_officer(reg, demo.folder / "keys")
    done: list[object] = []
    worker = threading.Thread(
        target=lambda: done.append(
            erase(reg, "w2", reason="request 7", retention_override=OVERRIDE)
        )
    )
    try:
        worker.start()
        worker.join(timeout=60)  # the busy timeout would be two minutes per try
        assert not worker.is_alive(), "the erasure waited on the reader"
    finally:
        reader.rollback()
        reader.close()
    (erasure,) = done
    assert erasure.wal_truncated is False  # type: ignore[attr-defined]
    assert "write-ahead log" in erasure.residue[0]  # type: ignore[attr-defined]
    assert provenance(reg, "w2", key=demo.key).data.input.state == "erased"


def test_an_erasure_names_the_reports_that_hold_the_input(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The demo wrote and recorded a decision report for its declined applicant: erasing that
    applicant's input names the file (and its digest) to destroy, and what lies beyond govern's
    reach; a decision without reports names none."""
    from typer.testing import CliRunner

    from govern.cli.main import app
    from govern.records import ExplanationGenerated

    (report,) = [
        ExplanationGenerated.from_entry(e)
        for e in demo.reg.ledger.checked(kinds=[ExplanationGenerated.KIND])
        if ExplanationGenerated.from_entry(e).kind == "decision"
    ]
    declined = str(report.row)
    demo.act("ada")
    key = as_privacy_officer(demo.reg, demo.folder / "keys")
    done = CliRunner().invoke(
        app,
        [
            "--sign-with",
            str(key),
            "erase",
            declined,
            "--reason",
            "request 9",
            "--retention-override",
            OVERRIDE,
            "--db",
            str(demo.db),
        ],
    )
    assert done.exit_code == 0, done.stderr
    assert f"also destroy: {report.report.file} (sha256 {report.report.sha256}" in done.stdout
    assert "beyond govern's reach, check too: the files given to `govern score`" in done.stdout
    other = erase(demo.reg, "demo-0001", reason="request 10", retention_override=OVERRIDE)
    assert other.reports == ()
