"""Appends from several processes at once serialize into one gap-free, valid log."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from govern.ledger import Ledger, verify_ledger
from govern.registry.bootstrap import InitResult

WRITERS = 4
EACH = 500


def _writer(url: str, writer: int, start: mp.synchronize.Event) -> None:  # type: ignore[name-defined]
    start.wait()
    with Ledger.open(url) as ledger:
        for i in range(EACH):
            ledger.append("x.event", {"writer": writer, "i": i}, actor=f"w{writer}")


@pytest.mark.slow
def test_four_processes_append_500_each(registry: InitResult) -> None:
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(registry.url, w, start)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=600)
        assert p.exitcode == 0
    with Ledger.open(registry.url) as ledger:
        events = list(ledger.entries(kind="x.event"))
        assert len(events) == WRITERS * EACH
        seqs = [e.seq for e in ledger.entries()]
        assert seqs == list(range(len(seqs)))
        per_writer: dict[int, list[int]] = {}
        for e in events:
            per_writer.setdefault(e.payload["writer"], []).append(e.payload["i"])
        assert all(v == list(range(EACH)) for v in per_writer.values())
        assert verify_ledger(ledger).size == 2 + WRITERS * EACH


CRASHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from govern.ledger import Ledger
    url, marker = sys.argv[1], Path(sys.argv[2])
    def mark(text):
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(marker)  # atomic: the test never reads a half-written marker
    def progress(n):
        mark("started")
    with Ledger.open(url) as ledger:
        ledger.append_batch((("x.event", {"i": i, "pad": "p" * 200}, "bot") for i in range(400_000)),
                            progress=progress)
    mark("finished")
    """
)


@pytest.mark.slow
def test_sigkill_mid_batch_leaves_all_or_nothing(registry: InitResult, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", CRASHER, registry.url, str(marker)])
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists(), "the batch never started writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert marker.read_text() == "started"  # killed in the middle, not after
    with Ledger.open(registry.url) as ledger:
        report = verify_ledger(ledger)
        assert report.size in (2, 2 + 400_000)
        assert report.size == 2
        ledger.append("x.event", {"after": "crash"}, actor="bot")
        assert verify_ledger(ledger).size == 3
