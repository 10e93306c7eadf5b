"""The log's clock: a writer whose clock is years ahead cannot freeze it (docs/ledger-format.md,
"The clock"). The wrong clock is this process's own, set for one append: the ledger reads time
from ``govern.ledger.store.now_ts``, as a writer on a machine set to 2099 would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govern.errors import BadInput, ClockBehind, FutureDated, PolicyViolation
from govern.ledger import Ledger, clock, store, verify_ledger
from govern.ledger.entry import format_ts, now_ts
from govern.records import PolicySet, subjects
from govern.registry import Registry, pins
from govern.registry import clock as clock_mod
from govern.registry.bootstrap import InitResult

FUTURE = "2099-01-01T00:00:00.000000Z"


def _set_clock(monkeypatch: pytest.MonkeyPatch, ts: str) -> None:
    monkeypatch.setattr(store, "now_ts", lambda: ts)


def _poison(registry: InitResult, monkeypatch: pytest.MonkeyPatch) -> int:
    """The administrator records a policy from a machine whose clock reads 2099."""
    with Registry.open(registry.url, key=registry.admin_key) as reg:
        _set_clock(monkeypatch, FUTURE)
        entry = reg.record(PolicySet(subject=subjects.POLICY, policy=reg.policy().as_dict()))
        monkeypatch.undo()
    assert entry.ts == FUTURE
    return entry.seq


def test_a_future_entry_cannot_freeze_the_log(
    registry: InitResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    seq = _poison(registry, monkeypatch)
    with Ledger.open(registry.url) as ledger:
        before = ledger.head()
        with pytest.raises(ClockBehind, match=rf"entry {seq} is dated 2099-01-01") as caught:
            ledger.append("x.event", {"subject": "s"}, actor="bot")
        assert caught.value.exit_code == 25
        assert "govern clock correct" in (caught.value.hint or "")
        assert ledger.head() == before  # nothing written
        with pytest.raises(FutureDated, match=rf"entry {seq} is dated 2099") as flagged:
            verify_ledger(ledger)
        assert flagged.value.seq == seq and flagged.value.exit_code == 26


def test_an_administrators_correction_repairs_the_log(
    registry: InitResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    seq = _poison(registry, monkeypatch)
    with Registry.open(registry.url, key=registry.admin_key) as reg:
        fix = clock_mod.correct(reg, "the scoring host's clock was set to 2099")
        assert fix.ts < FUTURE and fix.kind == clock.CORRECTED
        assert fix.payload["ahead_from"] == seq and fix.payload["was"] == FUTURE
        later = reg.record(PolicySet(subject=subjects.POLICY, policy=reg.policy().as_dict()))
        assert fix.ts <= later.ts < FUTURE  # appends resume at real time
        assert clock_mod.effective_ts(reg, reg.entry(seq)) == fix.ts
        assert clock_mod.effective_ts(reg, later) == later.ts
        reg.verify()  # the bytes, the guards, the clock and every signature's authority
        with pytest.raises(BadInput, match="not ahead"):
            clock_mod.correct(reg, "again")


def test_only_an_administrator_corrects_the_clock(
    registry: InitResult, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from govern.registry import people
    from govern.registry.sshsig import new_keypair

    key = tmp_path / "dev_ed25519"
    public = new_keypair(key, "dan")
    with Registry.open(registry.url, key=registry.admin_key) as reg:
        people.enroll(reg, "dan", ["developer"], public.openssh())
    _poison(registry, monkeypatch)
    with Registry.open(registry.url, key=key) as reg:
        size = reg.ledger.head().size
        with pytest.raises(PolicyViolation):
            clock_mod.correct(reg, "dan would like the clock back")
        assert reg.ledger.head().size == size


def test_skew_within_the_tolerance_is_accepted(
    registry: InitResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = format_ts(datetime.now(UTC) + clock.TOLERANCE - timedelta(seconds=2))
    with Ledger.open(registry.url) as ledger:
        _set_clock(monkeypatch, ahead)
        first = ledger.append("x.event", {"subject": "a"}, actor="bot")
        monkeypatch.undo()
        second = ledger.append("x.event", {"subject": "b"}, actor="bot")
        assert first.ts == ahead
        assert second.ts == ahead  # never backwards: the later of the two clocks
        verify_ledger(ledger)


def test_a_correction_goes_back_in_time_only_when_the_clock_is_ahead(
    registry: InitResult,
) -> None:
    with Ledger.open(registry.url) as ledger, pytest.raises(BadInput, match="not ahead"):
        ledger.append(
            clock.CORRECTED,
            {"subject": "clock", "ahead_from": 1, "was": FUTURE, "reason": "x"},
            actor="ada",
        )


def test_status_reads_times_through_the_correction(
    registry: InitResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The poisoned entry is a policy: dated 2099, it is in force for no moment before 2099;
    after the correction it is read as made at the correction, and is in force from then."""
    seq = _poison(registry, monkeypatch)
    with Registry.open(registry.url, key=registry.admin_key) as reg:
        before = pins.policy_entry(reg, now_ts())
        assert before is None or before[0] != seq
        fix = clock_mod.correct(reg, "the scoring host's clock was set to 2099")
        assert pins.policy_entry(reg, now_ts()) == (seq, fix.ts)
        # a fresh process reads the same
        with Registry.open(registry.url) as again:
            assert pins.policy_entry(again, now_ts()) == (seq, fix.ts)
