"""Tampering with the guards dropped: verify catches every change and names the entry."""

from __future__ import annotations

import hashlib

import pytest

from govern.errors import (
    ChainBroken,
    EntryCorrupt,
    GuardsMissing,
    HeadMismatch,
    InconsistentWithCheckpoint,
    IndexMismatch,
    LedgerCorrupt,
    TreeMismatch,
)
from govern.ledger import Ledger, verify_ledger
from govern.ledger.logkey import load_key
from govern.registry.bootstrap import InitResult
from tests.ledger.tamper import drop_guards, execute, fetch

N = 40  # entries after the two written by init
K = 17  # the entry we tamper with


@pytest.fixture
def filled(registry: InitResult) -> InitResult:
    with Ledger.open(registry.url) as ledger:
        ledger.append_batch(("x.event", {"i": i, "subject": f"s-{i}"}, "bot") for i in range(N))
    drop_guards(registry.url)
    return registry


def _verify(reg: InitResult, checkpoint: str | None = None) -> None:
    with Ledger.open(reg.url) as ledger:
        verify_ledger(ledger, checkpoint=checkpoint)


def _body(reg: InitResult, seq: int) -> bytes:
    return bytes(fetch(reg.url, "SELECT body FROM ledger_entries WHERE seq = :s", s=seq)[0][0])


def test_untouched_log_with_dropped_guards_reports_guards(filled: InitResult) -> None:
    with pytest.raises(GuardsMissing) as exc:
        _verify(filled)
    assert "govern_ledger_entries" in exc.value.message


@pytest.mark.parametrize("offset", [0, 1, 30, 60, -2])
def test_any_changed_byte_of_an_entry_is_named(filled: InitResult, offset: int) -> None:
    body = bytearray(_body(filled, K))
    body[offset] ^= 0x01
    execute(filled.url, "UPDATE ledger_entries SET body = :b WHERE seq = :s", b=bytes(body), s=K)
    with pytest.raises(EntryCorrupt) as exc:
        _verify(filled)
    assert exc.value.seq == K and f"entry {K}" in exc.value.message


def test_changed_entry_with_matching_leaf_breaks_the_chain(filled: InitResult) -> None:
    body = _body(filled, K).replace(b'"i":15', b'"i":99')
    leaf = hashlib.sha256(b"\x00" + body).digest()
    execute(
        filled.url,
        "UPDATE ledger_entries SET body = :b, leaf = :l WHERE seq = :s",
        b=body,
        l=leaf,
        s=K,
    )
    with pytest.raises(LedgerCorrupt) as exc:  # its stored subtree hash no longer fits
        _verify(filled)
    assert exc.value.seq == K


def test_changed_leaf_column(filled: InitResult) -> None:
    execute(filled.url, "UPDATE ledger_entries SET leaf = :l WHERE seq = :s", l=bytes(32), s=K)
    with pytest.raises(EntryCorrupt) as exc:
        _verify(filled)
    assert exc.value.seq == K


@pytest.mark.parametrize(("seq", "offset"), [(1, 0), (3, 33), (15, 31), (31, 100), (39, 40)])
def test_changed_node(filled: InitResult, seq: int, offset: int) -> None:
    nodes = bytearray(
        fetch(filled.url, "SELECT nodes FROM ledger_entries WHERE seq = :s", s=seq)[0][0]
    )
    nodes[offset] ^= 0x80
    execute(
        filled.url, "UPDATE ledger_entries SET nodes = :n WHERE seq = :s", n=bytes(nodes), s=seq
    )
    with pytest.raises(TreeMismatch) as exc:
        _verify(filled)
    assert exc.value.seq == seq


def test_deleted_node(filled: InitResult) -> None:
    execute(filled.url, "UPDATE ledger_entries SET nodes = :n WHERE seq = 17", n=b"")
    with pytest.raises(TreeMismatch) as exc:
        _verify(filled)
    assert exc.value.seq == 17


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("size", 41),
        ("root", bytes(32)),
        ("tip", bytes(32)),
        ("frontier", bytes(64)),
        ("last_ts", "2000-01-01T00:00:00.000000Z"),
    ],
)
def test_changed_head_field(filled: InitResult, column: str, value: object) -> None:
    execute(filled.url, f"UPDATE ledger_head SET {column} = :v", v=value)
    with pytest.raises(HeadMismatch):
        _verify(filled)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("kind", "x.other"),
        ("subject", "s-999"),
        ("subject", None),
        ("ts", "2999-01-01T00:00:00.000000Z"),
        ("actor", "mallory"),
    ],
)
def test_changed_indexed_column(filled: InitResult, column: str, value: object) -> None:
    execute(filled.url, f"UPDATE ledger_entries SET {column} = :v WHERE seq = :s", v=value, s=K)
    with pytest.raises(IndexMismatch) as exc:
        _verify(filled)
    assert exc.value.seq == K


def test_deleted_entry(filled: InitResult) -> None:
    execute(filled.url, "DELETE FROM ledger_entries WHERE seq = :s", s=K)
    with pytest.raises(ChainBroken) as exc:
        _verify(filled)
    assert exc.value.seq == K


def test_reordered_entries(filled: InitResult) -> None:
    a, b = _body(filled, K), _body(filled, K + 1)
    la, lb = (hashlib.sha256(b"\x00" + x).digest() for x in (a, b))
    execute(
        filled.url, "UPDATE ledger_entries SET body = :b, leaf = :l WHERE seq = :s", b=b, l=lb, s=K
    )
    execute(
        filled.url,
        "UPDATE ledger_entries SET body = :b, leaf = :l WHERE seq = :s",
        b=a,
        l=la,
        s=K + 1,
    )
    with pytest.raises(LedgerCorrupt) as exc:
        _verify(filled)
    assert exc.value.seq == K


def test_inserted_entry_at_the_end(filled: InitResult) -> None:
    last = N + 1
    body = _body(filled, last).replace(f'"seq":{last}'.encode(), f'"seq":{last + 1}'.encode())
    execute(
        filled.url,
        "INSERT INTO ledger_entries (seq, kind, subject, ts, actor, leaf, body, nodes) "
        "SELECT :s, kind, subject, ts, actor, :l, :b, nodes FROM ledger_entries WHERE seq = :o",
        s=last + 1,
        l=hashlib.sha256(b"\x00" + body).digest(),
        b=body,
        o=last,
    )
    with pytest.raises(LedgerCorrupt) as exc:
        _verify(filled)
    assert exc.value.seq == last + 1


def test_truncated_and_rewound_log_fails_against_a_held_checkpoint(
    registry: InitResult,
) -> None:
    signer = load_key(registry.key_path)
    with Ledger.open(registry.url) as ledger:
        ledger.append_batch(("x.event", {"i": i}, "bot") for i in range(10))
        old = fetch(registry.url, "SELECT size, root, tip, frontier, last_ts FROM ledger_head")[0]
        ledger.append_batch(("x.event", {"i": i}, "bot") for i in range(10, 30))
        held = ledger.sign_checkpoint(signer)  # the auditor keeps this outside the database
    drop_guards(registry.url)
    size = old[0]
    execute(registry.url, "DELETE FROM ledger_entries WHERE seq >= :n", n=size)
    execute(registry.url, "DELETE FROM ledger_checkpoints")
    execute(
        registry.url,
        "UPDATE ledger_head SET size = :s, root = :r, tip = :t, frontier = :f, last_ts = :ts",
        s=old[0],
        r=old[1],
        t=old[2],
        f=old[3],
        ts=old[4],
    )
    with pytest.raises(GuardsMissing):  # internally consistent: only the guards give it away
        _verify(registry)
    with pytest.raises(InconsistentWithCheckpoint) as exc:
        _verify(registry, checkpoint=held)
    assert "removed" in exc.value.message


def test_log_rewritten_behind_a_checkpoint_fails_consistency(
    registry: InitResult,
) -> None:
    signer = load_key(registry.key_path)
    with Ledger.open(registry.url) as ledger:
        ledger.append_batch(("x.event", {"i": i}, "bot") for i in range(20))
        held = ledger.sign_checkpoint(signer)
        items = [(e.kind, e.payload, e.actor) for e in ledger.entries()]
    # Rebuild the whole log with one payload changed, as someone with the database and the
    # log key could: internally valid, re-signed, but not an extension of the held checkpoint.
    drop_guards(registry.url)
    for table in ("ledger_entries", "ledger_checkpoints", "ledger_head"):
        execute(registry.url, f"DELETE FROM {table}")
    items[9] = (items[9][0], {"i": 999}, items[9][2])
    execute(
        registry.url,
        "INSERT INTO ledger_head (id, origin, size, root, tip, frontier, last_ts) "
        "VALUES (1, :o, 0, :r, :t, :f, '2000-01-01T00:00:00.000000Z')",
        o=items[0][1]["origin"],
        r=hashlib.sha256(b"").digest(),
        t=bytes(32),
        f=b"",
    )
    with Ledger.open(registry.url) as ledger:
        ledger.append_batch(items)
        ledger.sign_checkpoint(signer)
        ledger.append("x.event", {"i": 1000}, actor="bot")
        ledger.install_guards()
        verify_ledger(ledger)  # the rewritten log alone looks fine...
    with pytest.raises(InconsistentWithCheckpoint):  # ...but not next to the held checkpoint
        _verify(registry, checkpoint=held)


@pytest.mark.parametrize("seq", [3, 20, 41])
def test_parallel_verify_names_the_entry_in_either_half(filled: InitResult, seq: int) -> None:
    body = bytearray(_body(filled, seq))
    body[-3] ^= 0x01
    execute(filled.url, "UPDATE ledger_entries SET body = :b WHERE seq = :s", b=bytes(body), s=seq)
    with Ledger.open(filled.url) as ledger, pytest.raises(EntryCorrupt) as exc:
        verify_ledger(ledger, parallel=True)
    assert exc.value.seq == seq


def test_parallel_verify_agrees_with_serial(registry: InitResult) -> None:
    signer = load_key(registry.key_path)
    with Ledger.open(registry.url) as ledger:
        for n in (1, 5, 30):
            ledger.append_batch(("x.event", {"i": i}, "bot") for i in range(n))
            ledger.sign_checkpoint(signer)
        held = ledger.sign_checkpoint(signer)
        ledger.append("x.event", {"i": -1}, actor="bot")
        serial = verify_ledger(ledger, checkpoint=held, parallel=False)
        both = verify_ledger(ledger, checkpoint=held, parallel=True)
    assert serial == both and serial.size == 39 and serial.checkpoints == 4
