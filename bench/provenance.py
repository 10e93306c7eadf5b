"""Provenance benchmark: prediction logging and look-ups, each beside its baseline in one run.

    python bench/provenance.py                  # 1,000,000 logged predictions on a SQLite file
    python bench/provenance.py --n 100000       # smaller
    python bench/provenance.py --n 100000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/provenance.py --n 1 --pg URL --pg-n 200000   # PostgreSQL look-ups at 200,000

A registry is built from scratch (people with SSH keys, the German credit data, two approved and
deployed models: the demo's logistic-regression pipeline and a gradient-boosted tree pipeline).
Then:
- logging: batches of 10,000 rows scored with `Scorer.predict_proba` (every prediction logged:
  ledger entries, inputs and salts in one transaction), beside the same model's bare
  `predict_proba` on the same rows in the same run; where the time goes (per phase);
- the storage floor: the same number of rows of the same sizes written with a bare `sqlite3`
  executemany and commit (same pragmas, same indexes), to show how much of a batch is the disk;
- look-ups at n logged predictions: `Lookup` (warm: models loaded once) of random ids, p50 and
  p99, without the explanation (any model) and with it (the tree model's predictions: TreeSHAP).
Figures are printed with the command that produced them; they are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from govern.demo import (  # noqa: E402
    TARGET,
    german_credit_path,
    train_challenger,
    train_pipeline,
)
from govern.ledger.logkey import load_key  # noqa: E402
from govern.provenance import Lookup, inputs, scorer  # noqa: E402
from govern.provenance.scorer import Scorer  # noqa: E402
from govern.registry import (  # noqa: E402
    Registry,
    approvals,
    catalog,
    deployments,
    models,
    people,
)
from govern.registry.bootstrap import init_registry  # noqa: E402
from govern.registry.codeversion import given  # noqa: E402
from govern.registry.sshsig import new_keypair  # noqa: E402

ORIGIN = "bench.example/govern/credit-models"
BATCH = 10_000
CODE = given("0123456789abcdef0123456789abcdef01234567", "https://git.example/credit.git", "main")


def build(url: str, folder: Path) -> tuple[Registry, Path]:
    """A registry with two approved models deployed to production: credit-risk@1 (linear) and
    credit-trees@1 (gradient-boosted trees; one version per model per environment)."""
    init = init_registry(url, ORIGIN, key_path=folder / "log.key", admin="ada")
    assert init.admin_key is not None
    keys = {"ada": init.admin_key}
    reg = Registry.open(url, key=keys["ada"], artifacts=folder / "artifacts")
    enrolled = (
        ("dan", "developer"),
        ("vera", "validator"),
        ("otto", "approver"),
        ("scoring-svc", "service"),
    )
    for name, role in enrolled:
        keys[name] = folder / f"{name}_ed25519"
        pub = new_keypair(keys[name], comment=name)
        people.enroll(reg, name, [role], pub.openssh())
    data = pd.read_csv(german_credit_path())
    train = data.sample(frac=0.7, random_state=42).sort_index()
    train.to_csv(folder / "train.csv", index=False)
    data.drop(train.index).to_csv(folder / "holdout.csv", index=False)
    reg.use_key(keys["dan"])
    catalog.add_dataset(reg, folder / "train.csv", name="german-train", target=TARGET)
    catalog.add_dataset(reg, folder / "holdout.csv", name="german-holdout", target=TARGET)
    for fit in (train_pipeline, train_challenger):
        reg.use_key(keys["dan"])
        mv = models.register_model(
            reg,
            fit(train),
            name="credit-risk" if fit is train_pipeline else "credit-trees",
            training_data=["german-train@1"],
            validation_data=["german-holdout@1"],
            target=TARGET,
            intended_use="Probability that a consumer credit applicant repays.",
            owner="dan",
            risk_tier="high",
            positive_label="good",
            favorable_label="good",
            code=CODE,
        )
        reg.use_key(keys["vera"])
        approvals.approve(reg, mv.ref, decision="approve", role="validator")
        reg.use_key(keys["otto"])
        approvals.approve(reg, mv.ref, decision="approve", role="approver")
        deployments.deploy(reg, mv.ref, env="production")
    reg.use_key(keys["scoring-svc"])  # the service signs every batch it logs
    return reg, init.key_path


def applications(n: int, seed: int = 0) -> pd.DataFrame:
    """n applications: the German credit rows, resampled, amounts and ages varied."""
    data = pd.read_csv(german_credit_path()).drop(columns=[TARGET])
    rng = np.random.default_rng(seed)
    frame = data.iloc[rng.integers(0, len(data), n)].reset_index(drop=True)
    frame["credit_amount"] = rng.integers(250, 20_000, n)
    frame["age_in_years"] = rng.integers(19, 75, n)
    return frame


class Phases:
    """Wall time spent inside chosen functions, by name (wrappers installed for the run)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, attr: str, name: str) -> None:
        original = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0

        setattr(owner, attr, timed)
        self._undo.append(lambda: setattr(owner, attr, original))

    @contextmanager
    def installed(self) -> Iterator[Phases]:
        from govern.ledger import store

        self.wrap(scorer.Scorer, "_check_status", "status check (approved and deployed now)")
        self.wrap(scorer.Scorer, "_score", "model predict_proba (padded) + decimal strings")
        self.wrap(scorer, "canonical_rows", "canonical input rows (RFC 8785)")
        self.wrap(scorer.Scorer, "_prepare", "payloads (template) + PreparedEntry")
        self.wrap(store.Ledger, "_append_locked", "ledger: envelope, chain, tree, executemany")
        self.wrap(inputs, "insert", "input store: insert (SQLite executemany, PostgreSQL COPY)")
        self.wrap(scorer, "_refuse_logged", "duplicate-id check (given ids only)")
        self.wrap(store.Ledger, "append_prepared", "ledger transaction incl. commit (fsync)")
        try:
            yield self
        finally:
            for undo in reversed(self._undo):
                undo()


def bench_logging(reg: Registry, ref: str, batches: int, ids: list[str]) -> dict[str, Any]:
    """Logged batches of BATCH rows beside the bare predict_proba of the same rows."""
    s = Scorer(reg, ref)
    X = applications(BATCH, seed=1)
    s.model.predict_proba(X)
    s.predict_proba(X)  # one logged batch untimed: first-call costs are not throughput
    ids.extend(s.last.ids)
    logged, bare = [], []
    phases = Phases()
    with phases.installed():
        for b in range(batches):
            X = applications(BATCH, seed=100 + b)
            t0 = time.perf_counter()
            s.model.predict_proba(X)
            t1 = time.perf_counter()
            s.predict_proba(X)
            t2 = time.perf_counter()
            bare.append(t1 - t0)
            logged.append(t2 - t1)
            ids.extend(s.last.ids)
    total = sum(logged)
    rate = BATCH * batches / total
    bare_rate = BATCH * batches / sum(bare)
    return {
        "model": ref,
        "batches": batches,
        "logged_per_s": rate,
        "logged_per_s_median_batch": BATCH / statistics.median(logged),
        "bare_predict_proba_per_s": bare_rate,
        "ratio_to_bare": rate / bare_rate,
        "phases_ms_per_batch": {
            k: round(v * 1000 / batches, 1) for k, v in sorted(phases.seconds.items())
        },
    }


def bench_signing(reg: Registry, ref: str, pairs: int, ids: list[str]) -> dict[str, Any]:
    """Signed batches beside the same batches without their signed statement, alternating in
    one run: the cost of signing a batch (the per-batch digest of its payloads, one SSHSIG and
    one more entry). The unsigned path exists only here, as the baseline."""
    s = Scorer(reg, ref)
    signed, unsigned = [], []
    sign_batch = scorer.Scorer._sign_batch
    for b in range(pairs):
        for kind, times in (("signed", signed), ("unsigned", unsigned)):
            X = applications(BATCH, seed=5_000 + 2 * b + (kind == "unsigned"))
            if kind == "unsigned":
                scorer.Scorer._sign_batch = lambda self, batch_id, prepared: []  # type: ignore[method-assign,assignment]
            try:
                t0 = time.perf_counter()
                s.predict_proba(X)
                times.append(time.perf_counter() - t0)
            finally:
                scorer.Scorer._sign_batch = sign_batch  # type: ignore[method-assign]
            ids.extend(s.last.ids)
    rate = BATCH * pairs / sum(signed)
    base = BATCH * pairs / sum(unsigned)
    return {
        "model": ref,
        "pairs": pairs,
        "signed_per_s": rate,
        "unsigned_per_s": base,
        "ratio_signed_to_unsigned": rate / base,
        "median_ratio": statistics.median(unsigned) / statistics.median(signed),
    }


def bench_given_ids(reg: Registry, ref: str, batches: int, ids: list[str]) -> dict[str, Any]:
    """Logged ``decide`` batches with the caller's ids (what `govern score --id-col` does): the
    duplicate-id check against the whole ledger is included. Ids are "APP-<batch>-<row>"."""
    s = Scorer(reg, ref)
    times = []
    for b in range(batches):
        X = applications(BATCH, seed=900 + b)
        given = [f"APP-{b:04d}-{i:05d}" for i in range(BATCH)]
        t0 = time.perf_counter()
        s.decide(X, ids=given)
        times.append(time.perf_counter() - t0)
        ids.extend(given)
    return {
        "model": ref,
        "batches": batches,
        "logged_per_s": BATCH * batches / sum(times),
        "logged_per_s_median_batch": BATCH / statistics.median(times),
    }


def fill(
    reg: Registry, ref: str, target: int, ids: dict[str, list[str]], say: Callable[[str], None]
) -> float:
    """Log predictions of ``ref`` until ``target`` are logged in all (ids by model)."""
    s = Scorer(reg, ref)
    t0 = time.perf_counter()
    seed = 10_000
    mine = ids.setdefault(ref, [])
    while sum(map(len, ids.values())) < target:
        n = min(BATCH, target - sum(map(len, ids.values())))
        s.predict_proba(applications(n, seed=seed))
        mine.extend(s.last.ids)
        seed += 1
        if seed % 10 == 0:
            say(f"  {sum(map(len, ids.values())):,} predictions logged")
    return time.perf_counter() - t0


def storage_floor(reg: Registry, folder: Path, batches: int) -> dict[str, Any]:
    """Bare sqlite3 writes of BATCH rows shaped like the last logged batch (entry and input
    sizes), in a fresh file with the ledger's pragmas and indexes: the disk's share."""
    import sqlite3

    from sqlalchemy import func, select

    from govern.ledger.schema import EntryRow

    table = EntryRow.__table__  # type: ignore[attr-defined]
    with reg.ledger.engine.connect() as conn:
        body, nodes = conn.execute(
            select(func.avg(func.length(table.c.body)), func.avg(func.length(table.c.nodes))).where(
                table.c.kind == "prediction.logged"
            )
        ).one()
        row = conn.execute(select(func.avg(func.length(inputs.table.c.input_row)))).scalar_one()
    db = sqlite3.connect(folder / "floor.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(
        "CREATE TABLE e (seq INTEGER PRIMARY KEY, kind TEXT, subject TEXT, ts TEXT, actor TEXT, "
        "leaf BLOB, body BLOB, nodes BLOB)"
    )
    db.execute("CREATE INDEX e_subject ON e (subject)")
    db.execute("CREATE TABLE i (seq INTEGER PRIMARY KEY, salt BLOB, input_row BLOB)")
    times = []
    for b in range(batches):
        first = b * BATCH
        subjects = scorer.new_ids(BATCH)
        entries = [
            (
                first + k,
                "prediction.logged",
                subjects[k],
                "2026-01-01T00:00:00.000000Z",
                "svc",
                os.urandom(32),
                os.urandom(int(body)),
                os.urandom(int(nodes)),
            )
            for k in range(BATCH)
        ]
        rows = [(first + k, os.urandom(32), os.urandom(int(row))) for k in range(BATCH)]
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO e VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries)
        db.executemany("INSERT INTO i VALUES (?, ?, ?)", rows)
        db.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    db.close()
    return {
        "entry_bytes": round(float(body)),
        "input_bytes": round(float(row)),
        "ms_per_batch": round(1000 * statistics.median(times), 1),
        "rows_per_s": BATCH / statistics.median(times),
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_lookups(reg: Registry, ids: list[str], samples: int, explain: bool) -> dict[str, Any]:
    lookup = Lookup(reg, explain=explain)
    rng = random.Random(7)
    for pid in rng.sample(ids, 5):  # warm: models, explainers
        lookup(pid)
    times = []
    for pid in rng.sample(ids, samples):
        t0 = time.perf_counter()
        p = lookup(pid)
        times.append(time.perf_counter() - t0)
        assert p.ok and p.rescore.state == "same" and p.integrity.verified, p.problems
        if explain:
            assert p.explanation.state == "explained", p.explanation.detail
    return {
        "samples": samples,
        "explain": explain,
        "p50_ms": pct(times, 0.5) * 1000,
        "p99_ms": pct(times, 0.99) * 1000,
        "max_ms": max(times) * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="predictions logged before look-ups")
    ap.add_argument("--batches", type=int, default=10, help="timed logging batches per model")
    ap.add_argument("--lookups", type=int, default=1000, help="timed look-ups without SHAP")
    ap.add_argument("--explained", type=int, default=300, help="timed look-ups with SHAP")
    ap.add_argument("--pg", default=None, help="also time logging on this PostgreSQL URL")
    ap.add_argument(
        "--pg-n", type=int, default=0, help="and look-ups at this many predictions there"
    )
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    started = time.perf_counter()
    out: dict[str, Any] = {
        "command": "python bench/provenance.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
    }
    with tempfile.TemporaryDirectory(prefix="govern-bench-") as tmp:
        folder = Path(tmp)
        reg, key_path = build(str(folder / "registry.db"), folder)
        ids: dict[str, list[str]] = {}
        say(f"logging, batches of {BATCH:,} (SQLite, WAL, synchronous=FULL)")
        out["logging"] = []
        for ref in ("credit-risk@1", "credit-trees@1"):
            figures = bench_logging(reg, ref, args.batches, ids.setdefault(ref, []))
            out["logging"].append(figures)
            say(
                f"  {ref}: {figures['logged_per_s']:,.0f} logged predictions/s; bare "
                f"predict_proba {figures['bare_predict_proba_per_s']:,.0f}/s; ratio "
                f"{figures['ratio_to_bare']:.3f}"
            )
            for phase, ms in figures["phases_ms_per_batch"].items():
                say(f"    {ms:8.1f} ms per batch  {phase}")
        out["signing"] = sign = bench_signing(
            reg, "credit-risk@1", max(args.batches, 4), ids.setdefault("credit-risk@1", [])
        )
        say(
            f"  signed batches {sign['signed_per_s']:,.0f}/s beside the same batches unsigned "
            f"{sign['unsigned_per_s']:,.0f}/s (alternating): ratio "
            f"{sign['ratio_signed_to_unsigned']:.3f}, of medians {sign['median_ratio']:.3f}"
        )
        out["storage_floor"] = storage_floor(reg, folder, args.batches)
        say(
            f"  storage floor (bare sqlite3, same row sizes): "
            f"{out['storage_floor']['ms_per_batch']:.0f} ms per batch, "
            f"{out['storage_floor']['rows_per_s']:,.0f} rows/s"
        )
        say(f"filling to {args.n:,} logged predictions")
        out["fill_seconds"] = fill(reg, "credit-trees@1", args.n, ids, say)
        out["logging_given_ids"] = bench_given_ids(
            reg, "credit-trees@1", 3, ids.setdefault("credit-trees@1", [])
        )
        say(
            f"  at {reg.ledger.size:,} entries, decide() with given ids (duplicate check "
            f"included): {out['logging_given_ids']['logged_per_s']:,.0f} predictions/s"
        )
        reg.ledger.sign_checkpoint(load_key(key_path))
        db_file = folder / "registry.db"
        every = [pid for group in ids.values() for pid in group]
        out["database_bytes_per_prediction"] = db_file.stat().st_size / max(len(every), 1)
        say(f"look-ups at {len(every):,} logged predictions (ledger size {reg.ledger.size:,})")
        out["lookup"] = bench_lookups(reg, every, args.lookups, explain=False)
        say(
            f"  without explanation: p50 {out['lookup']['p50_ms']:.2f} ms, "
            f"p99 {out['lookup']['p99_ms']:.2f} ms"
        )
        out["lookup_explained"] = bench_lookups(
            reg, ids["credit-trees@1"], args.explained, explain=True
        )
        say(
            f"  with explanation (TreeSHAP): p50 {out['lookup_explained']['p50_ms']:.2f} ms, "
            f"p99 {out['lookup_explained']['p99_ms']:.2f} ms"
        )
        reg.close()
        if args.pg:
            out["postgresql"] = pg = bench_pg(
                args.pg, folder / "pg", args.batches, args.pg_n, args.lookups
            )
            say(
                f"PostgreSQL: {pg['logged_per_s']:,.0f} logged predictions/s; "
                f"ratio {pg['ratio_to_bare']:.3f}"
            )
            for phase, ms in pg["phases_ms_per_batch"].items():
                say(f"    {ms:8.1f} ms per batch  {phase}")
            if "lookup" in pg:
                say(
                    f"  look-ups at {pg['lookup_at']:,}: p50 {pg['lookup']['p50_ms']:.2f} ms, "
                    f"p99 {pg['lookup']['p99_ms']:.2f} ms"
                )
    out["predictions"] = sum(map(len, ids.values()))
    out["total_seconds"] = time.perf_counter() - started
    say(f"done in {out['total_seconds']:.0f} s")
    if args.json:
        print(json.dumps(out, indent=2))


def bench_pg(url: str, folder: Path, batches: int, n: int, lookups: int) -> dict[str, Any]:
    """Logging on PostgreSQL; with ``n``, look-ups (no explanation) at ``n`` predictions."""
    from sqlalchemy import create_engine, text

    schema = "govern_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    try:
        folder.mkdir()
        reg, key_path = build(f"{url}{sep}options=-csearch_path%3D{schema}", folder)
        ids: dict[str, list[str]] = {"credit-trees@1": []}
        figures = bench_logging(reg, "credit-trees@1", batches, ids["credit-trees@1"])
        if n:
            fill(reg, "credit-trees@1", n, ids, lambda _text: None)
            reg.ledger.sign_checkpoint(load_key(key_path))
            figures["lookup_at"] = sum(map(len, ids.values()))
            figures["lookup"] = bench_lookups(reg, ids["credit-trees@1"], lookups, explain=False)
        reg.close()
        return figures
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
