"""Appending, reading, proofs and checkpoints on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import math

import pytest

from govern.errors import BadInput, CheckpointInvalid, NotFound
from govern.ledger import Ledger, merkle, verify_ledger
from govern.ledger.checkpoint import Checkpoint
from govern.ledger.entry import read_envelope


def test_init_writes_log_created_and_first_administrator(ledger: Ledger) -> None:
    assert ledger.size == 2
    first = ledger.entry(0)
    assert first.kind == "log.created"
    assert first.payload["verifier_key"].startswith("test.example/govern/ledger+")
    assert first.prev == "0" * 64
    admin = ledger.entry(1)
    assert admin.kind == "person.enrolled"
    assert admin.subject == "person:ada"
    assert admin.prev == first.leaf.hex()


def test_entry_bytes_are_canonical_and_hashed_verbatim(ledger: Ledger) -> None:
    e = ledger.append("note.recorded", {"b": 1, "a": "é", "subject": "s-1"}, actor="ada")
    assert e.body.startswith(b'{"actor":"ada","kind":"note.recorded","log":"test.example/')
    assert b'"payload":{"a":"\xc3\xa9","b":1,"subject":"s-1"}' in e.body
    assert e.leaf == merkle.leaf_hash(e.body)
    env = read_envelope(e.body)
    assert (env.seq, env.kind, env.actor) == (2, "note.recorded", "ada")
    assert ledger.by_subject("s-1")[0].seq == 2


def test_batch_is_contiguous_and_chained(ledger: Ledger) -> None:
    done = ledger.append_batch(("x.y", {"i": i}, "bot") for i in range(300))
    assert done.first_seq == 2 and done.size == 302
    entries = list(ledger.entries(start=2))
    assert [e.seq for e in entries] == list(range(2, 302))
    for before, after in itertools.pairwise(entries):
        assert after.prev == before.leaf.hex()
        assert after.ts >= before.ts
    all_leaves = [e.leaf for e in ledger.entries()]
    assert ledger.head().root == merkle.root_of(all_leaves)


def test_every_inclusion_and_consistency_proof_verifies(ledger: Ledger) -> None:
    ledger.append_batch(("x.y", {"i": i}, "bot") for i in range(61))
    leaves = [e.leaf for e in ledger.entries()]
    n = len(leaves)
    for size in (1, 2, 3, 7, 8, 33, n):
        root = merkle.root_of(leaves[:size])
        assert ledger.root_at(size) == root
        for i in range(size):
            merkle.verify_inclusion(leaves[i], i, size, ledger.inclusion_proof(i, size), root)
        for old in range(1, size + 1):
            merkle.verify_consistency(
                old, size, merkle.root_of(leaves[:old]), root, ledger.consistency_proof(old, size)
            )


def test_proof_requests_out_of_range_are_refused(ledger: Ledger) -> None:
    with pytest.raises(NotFound):
        ledger.inclusion_proof(5)
    with pytest.raises(BadInput):
        ledger.consistency_proof(1, 99)
    with pytest.raises(NotFound):
        ledger.entry(99)


@pytest.mark.parametrize(
    "payload",
    [{"score": math.nan}, {"x": [1, math.inf]}, {"n": 2**53}, {"n": -(2**53)}, {1: "a"}],
)
def test_unrepresentable_payloads_are_refused_before_writing(ledger: Ledger, payload: dict) -> None:  # type: ignore[type-arg]
    before = ledger.head()
    with pytest.raises(BadInput):
        ledger.append("x.y", payload, actor="bot")
    with pytest.raises(BadInput):
        ledger.append_batch([("x.y", {"ok": 1}, "bot"), ("x.y", payload, "bot")])
    assert ledger.head() == before


def test_checkpoints_are_kept_and_refused_when_inconsistent(ledger: Ledger, signer) -> None:  # type: ignore[no-untyped-def]
    note1 = ledger.sign_checkpoint(signer)
    cp1 = ledger.open_checkpoint(note1)
    assert cp1 == Checkpoint(ledger.origin, 2, ledger.head().root)
    ledger.append("x.y", {"i": 1}, actor="bot")
    note2 = ledger.sign_checkpoint(signer)
    assert [c[1] for c in ledger.checkpoints()] == [2, 3]
    assert ledger.latest_checkpoint() == note2
    report = verify_ledger(ledger, checkpoint=note1)
    assert report.size == 3 and report.checkpoints == 2 and report.against == cp1


def test_foreign_and_corrupt_checkpoints_are_refused(ledger: Ledger, signer) -> None:  # type: ignore[no-untyped-def]
    note_text = ledger.sign_checkpoint(signer)
    with pytest.raises(CheckpointInvalid):
        verify_ledger(ledger, checkpoint=note_text.replace("ledger\n", "other\n", 1))
    with pytest.raises(CheckpointInvalid):
        verify_ledger(ledger, checkpoint=note_text[:-10] + "AAAAAAAAA\n")
    with pytest.raises(CheckpointInvalid):
        verify_ledger(ledger, checkpoint="not a checkpoint")
