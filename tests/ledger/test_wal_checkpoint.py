"""SQLite WAL checkpoints run off the commit path (db.WalCheckpointer), without losing anything.

Writers set ``wal_autocheckpoint=0``; a thread of the ledger's own checkpoints the WAL once it
outgrows ``WAL_SOFT``, and a writer checkpoints after its commit when it is past ``WAL_HARD``.
These tests lower the two limits (module settings, read when a ledger opens) so that a few MB
of appends cross them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from govern.ledger import Ledger, db, verify_ledger
from govern.registry.bootstrap import InitResult

SOFT = 1 << 20
HARD = 6 << 20
PAD = "p" * 600  # about 1 KB of WAL per entry, with its index and tree pages


def _batch(start: int, n: int) -> list[tuple[str, dict[str, object], str]]:
    return [
        ("x.event", {"i": i, "subject": f"s-{i}", "pad": PAD}, "bot")
        for i in range(start, start + n)
    ]


def _wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "WAL_SOFT", SOFT)
    monkeypatch.setattr(db, "WAL_HARD", HARD)


@pytest.mark.usefixtures("small_limits")
def test_wal_stays_bounded_over_many_batches_and_the_log_verifies(
    sqlite_registry: InitResult,
) -> None:
    path = db.sqlite_path(sqlite_registry.url)
    assert path is not None
    batch, batches = 2000, 40  # about 2.5 MB of WAL each, 100 MB in all
    largest = 0
    with Ledger.open(sqlite_registry.url) as ledger:
        first = ledger.size
        for b in range(batches):
            ledger.append_batch(_batch(b * batch, batch))
            largest = max(largest, _wal_size(path))
        # Whether or not the thread kept up, a writer checkpoints past HARD, and the next
        # transaction starts the WAL again: never more than HARD plus one batch.
        assert largest <= HARD + 4 * SOFT
        assert largest < batches * batch * 1000 // 4  # checkpoints did run
        assert verify_ledger(ledger).size == first + batches * batch
    # Closing checkpoints and (as the last connection) removes the WAL.
    assert _wal_size(path) == 0
    with Ledger.open(sqlite_registry.url, readonly=True) as ledger:
        report = verify_ledger(ledger)
        assert report.size == first + batches * batch
        assert ledger.entry(report.size - 1).payload["i"] == batches * batch - 1


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from govern.ledger import Ledger, db
    url, marker, soft, hard = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    db.WAL_SOFT, db.WAL_HARD = soft, hard
    ledger = Ledger.open(url)  # never closed: the process is killed, or exits without close
    b = 0
    while True:
        done = ledger.append_batch(
            ("x.event", {"i": i, "pad": "p" * 600}, "bot") for i in range(b * 1000, b * 1000 + 1000)
        )
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(str(done.size))
        tmp.replace(marker)  # atomic: the test reads a size that was committed
        b += 1
        if len(sys.argv) > 5 and b == int(sys.argv[5]):
            break
    """
)


def _writer(url: str, marker: Path, *stop: int) -> subprocess.Popen[bytes]:
    args = [url, str(marker), str(SOFT), str(HARD), *map(str, stop)]
    return subprocess.Popen([sys.executable, "-c", WRITER, *args])


def _committed(marker: Path) -> int:
    return int(marker.read_text()) if marker.exists() else 0


@pytest.mark.slow
def test_sigkill_after_commits_loses_no_committed_entry(
    sqlite_registry: InitResult, tmp_path: Path
) -> None:
    marker = tmp_path / "committed"
    proc = _writer(sqlite_registry.url, marker)
    deadline = time.monotonic() + 120
    while _committed(marker) < 12_000 and time.monotonic() < deadline:  # well past SOFT
        assert proc.poll() is None, "the writer died"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = _committed(marker)
    assert committed >= 12_000
    with Ledger.open(sqlite_registry.url) as ledger:
        report = verify_ledger(ledger)
        assert report.size >= committed  # the batch after the marker may have committed too
        last = ledger.entry(committed - 1)
        assert last.payload["i"] == committed - 1 - 2  # entries 0 and 1 are the registry's
        ledger.append("x.event", {"after": "kill"}, actor="bot")
        assert verify_ledger(ledger).size == report.size + 1


@pytest.mark.slow
def test_two_processes_with_checkpointers_write_one_valid_log(
    sqlite_registry: InitResult, tmp_path: Path
) -> None:
    procs = [_writer(sqlite_registry.url, tmp_path / f"m{w}", 15) for w in range(2)]
    for proc in procs:
        assert proc.wait(timeout=300) == 0  # and exit without closing the ledger
    with Ledger.open(sqlite_registry.url) as ledger:
        assert verify_ledger(ledger).size == 2 + 2 * 15 * 1000
        assert len(list(ledger.entries(kind="x.event"))) == 2 * 15 * 1000


def _files(path: Path) -> dict[str, bytes]:
    """The database and its WAL; not the -shm, the shared memory in which readers take locks."""
    return {p.name: p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()}


@pytest.mark.slow
@pytest.mark.parametrize("writer_closed", [True, False])
def test_read_only_open_leaves_the_files_byte_identical(
    sqlite_registry: InitResult, tmp_path: Path, writer_closed: bool
) -> None:
    path = db.sqlite_path(sqlite_registry.url)
    assert path is not None
    if writer_closed:
        with Ledger.open(sqlite_registry.url) as ledger:
            for b in range(6):  # past SOFT: the writer's checkpointer has run
                ledger.append_batch(_batch(b * 1000, 1000))
    else:  # a writer that exited without closing the ledger, as a killed one would
        assert _writer(sqlite_registry.url, tmp_path / "m", 6).wait(timeout=300) == 0
    before = _files(path)
    for _ in range(2):
        with Ledger.open(sqlite_registry.url, readonly=True) as ledger:
            size = verify_ledger(ledger).size
            assert size == 2 + 6000
            assert len(list(ledger.entries(start=size - 10))) == 10
            ledger.inclusion_proof(size // 2)
    after = _files(path)
    assert after[path.name] == before[path.name]
    # SQLite itself makes an empty -wal when a read-only connection opens a WAL database whose
    # -wal is missing; a read-only open writes no data into either file.
    assert after.get(f"{path.name}-wal", b"") == before.get(f"{path.name}-wal", b"")
