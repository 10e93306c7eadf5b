"""Ledger benchmark: append, verify and proofs, each beside its baseline in the same process.

    python bench/ledger.py                      # 1,000,000 entries on a SQLite file
    python bench/ledger.py --n 100000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Baselines (the least any correct log must do):
- append: canonical JSON of the same payloads (the same encoder), one SHA-256 each, and a plain
  executemany insert into a table with no tree, in transactions of the same size;
- verify: reading the same entry bytes and hashing them in a bare loop;
- PostgreSQL append: the same baseline against the same server.
Figures go to docs/performance.md with the command that produced them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govern.ledger import Ledger, verify_ledger  # noqa: E402
from govern.ledger.jcs import canonicalize  # noqa: E402
from govern.registry.bootstrap import init_registry  # noqa: E402

BATCH = 100_000
ORIGIN = "bench.example/govern/ledger"


def payloads(n: int, start: int = 0) -> list[dict[str, Any]]:
    """Prediction-sized payloads (about 300 bytes canonical), as provenance logging writes them."""
    rng = random.Random(start)
    model = hashlib.sha256(b"model").hexdigest()
    out = []
    for i in range(start, start + n):
        out.append(
            {
                "subject": f"pred-{i:010d}",
                "model": model,
                "output": {"score": f"{rng.random():.10f}", "decision": "approve"},
                "threshold": "0.5",
                "commitment": hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
                "features": 20,
            }
        )
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def baseline_append_sqlite(path: Path, items: list[dict[str, Any]]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE plain (seq INTEGER PRIMARY KEY, leaf BLOB, body BLOB)")
    t0 = time.perf_counter()
    sha = hashlib.sha256
    seq = 0
    for b in range(0, len(items), BATCH):
        rows = []
        for p in items[b : b + BATCH]:
            body = canonicalize(p)
            rows.append((seq, sha(b"\x00" + body).digest(), body))
            seq += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO plain VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def schema_baseline_sqlite(tmpdir: Path, items: list[dict[str, Any]]) -> float:
    """The same payloads into govern's own table (guards, subject index), with one SHA-256 each
    but no chain, no tree and no envelope: what the storage contract alone costs."""
    reg = init_registry(str(tmpdir / "schema.db"), ORIGIN, key_path=tmpdir / "k2", admin="s")
    conn = sqlite3.connect(tmpdir / "schema.db", isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    seq = 2
    sha = hashlib.sha256
    t0 = time.perf_counter()
    for b in range(0, len(items), BATCH):
        rows = []
        for p in items[b : b + BATCH]:
            body = canonicalize(p)
            rows.append(
                (
                    seq,
                    "prediction.logged",
                    p["subject"],
                    "t",
                    "scorer",
                    sha(b"\x00" + body).digest(),
                    body,
                    b"",
                )
            )
            seq += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO ledger_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    del reg
    return elapsed


def govern_append(ledger: Ledger, items: list[dict[str, Any]]) -> float:
    t0 = time.perf_counter()
    for b in range(0, len(items), BATCH):
        ledger.append_batch(("prediction.logged", p, "scorer") for p in items[b : b + BATCH])
    return time.perf_counter() - t0


def baseline_verify_sqlite(path: Path) -> tuple[float, int]:
    conn = sqlite3.connect(path)
    t0 = time.perf_counter()
    sha = hashlib.sha256
    n = 0
    for (body,) in conn.execute("SELECT body FROM ledger_entries ORDER BY seq"):
        sha(b"\x00" + body).digest()
        n += 1
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed, n


def bench_proofs(ledger: Ledger, samples: int) -> dict[str, float]:
    size = ledger.size
    rng = random.Random(7)
    inc, con = [], []
    for _ in range(samples):
        i = rng.randrange(size)
        t0 = time.perf_counter()
        ledger.inclusion_proof(i, size)
        inc.append(time.perf_counter() - t0)
        old = rng.randrange(1, size)
        t0 = time.perf_counter()
        ledger.consistency_proof(old, size)
        con.append(time.perf_counter() - t0)
    return {
        "inclusion_p50_ms": statistics.median(inc) * 1e3,
        "inclusion_p99_ms": pct(inc, 0.99) * 1e3,
        "consistency_p50_ms": statistics.median(con) * 1e3,
        "consistency_p99_ms": pct(con, 0.99) * 1e3,
    }


def _pg_writer(url: str, n: int, batch: int, start: int, go: Any) -> None:
    items = payloads(n, start)
    go.wait()
    with Ledger.open(url) as ledger:
        for b in range(0, n, batch):
            ledger.append_batch(("prediction.logged", p, "scorer") for p in items[b : b + batch])


def bench_pg(base_url: str, n: int, batch: int) -> dict[str, float]:
    from sqlalchemy import create_engine, text

    results: dict[str, float] = {}
    admin = create_engine(base_url)
    for writers in (1, 4):
        schema = "govern_bench_" + uuid.uuid4().hex[:8]
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                init_registry(url, ORIGIN, key_path=Path(tmp) / "k", admin="bench")
            ctx = mp.get_context("spawn")
            go = ctx.Event()
            each = n // writers
            procs = [
                ctx.Process(target=_pg_writer, args=(url, each, batch, w * each, go))
                for w in range(writers)
            ]
            for p in procs:
                p.start()
            time.sleep(3)  # let the writers import and build their payloads
            t0 = time.perf_counter()
            go.set()
            for p in procs:
                p.join()
            elapsed = time.perf_counter() - t0
            results[f"pg_append_{writers}w_per_s"] = each * writers / elapsed
            with Ledger.open(url) as ledger:
                assert verify_ledger(ledger).size == 2 + each * writers
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    # baseline: the same payloads, canonical JSON + SHA-256 + executemany into a plain table
    schema = "govern_bench_" + uuid.uuid4().hex[:8]
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        conn.execute(
            text(f"CREATE TABLE {schema}.plain (seq bigint primary key, leaf bytea, body bytea)")
        )
    try:
        items = payloads(n)
        t0 = time.perf_counter()
        seq = 0
        raw = admin.raw_connection()
        try:
            cur = raw.cursor()
            for b in range(0, n, batch):
                rows = []
                for p in items[b : b + batch]:
                    body = canonicalize(p)
                    rows.append((seq, hashlib.sha256(b"\x00" + body).digest(), body))
                    seq += 1
                cur.executemany(f"INSERT INTO {schema}.plain VALUES (%s, %s, %s)", rows)
                raw.commit()
        finally:
            raw.close()
        results["pg_baseline_1w_per_s"] = n / (time.perf_counter() - t0)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()
    results["pg_ratio_1w"] = results["pg_append_1w_per_s"] / results["pg_baseline_1w_per_s"]
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="entries to append (SQLite)")
    ap.add_argument("--proofs", type=int, default=1000, help="proof samples")
    ap.add_argument("--pg", default=os.environ.get("GOVERN_TEST_PG_URL"), help="PostgreSQL URL")
    ap.add_argument("--pg-n", type=int, default=100_000, help="entries for the PostgreSQL runs")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()

    out: dict[str, Any] = {
        "n": args.n,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    items = payloads(args.n)
    out["payload_bytes"] = len(canonicalize(items[0]))
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        base_s = baseline_append_sqlite(tmpdir / "plain.db", items)
        schema_s = schema_baseline_sqlite(tmpdir, items)
        reg = init_registry(str(tmpdir / "registry.db"), ORIGIN, key_path=tmpdir / "k", admin="b")
        with Ledger.open(reg.url) as ledger:
            ours_s = govern_append(ledger, items)
            out["append_per_s"] = args.n / ours_s
            out["append_baseline_per_s"] = args.n / base_s
            out["append_ratio"] = base_s / ours_s
            out["append_same_schema_no_tree_per_s"] = args.n / schema_s
            out["append_ratio_to_same_schema"] = schema_s / ours_s

            bv_s, count = baseline_verify_sqlite(tmpdir / "registry.db")
            t0 = time.perf_counter()
            report = verify_ledger(ledger)
            v_s = time.perf_counter() - t0
            assert report.size == count
            out["verify_per_s"] = count / v_s
            out["verify_baseline_per_s"] = count / bv_s
            out["verify_ratio"] = bv_s / v_s
            out.update(bench_proofs(ledger, args.proofs))
        out["db_bytes_per_entry"] = (tmpdir / "registry.db").stat().st_size / count
    if args.pg:
        out.update(bench_pg(args.pg, args.pg_n, 1000))
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for key, value in out.items():
        print(f"{key:28} {value:,.3f}" if isinstance(value, float) else f"{key:28} {value}")


if __name__ == "__main__":
    main()
