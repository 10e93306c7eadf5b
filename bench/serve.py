"""Serving benchmark (issue 11): single-row decisions over HTTP from concurrent connections,
logged, beside the same app with the same batching answering without logging, in one run.

    python bench/serve.py                           # 2 workers, 32 connections, 10 s a run
    python bench/serve.py --workers 1 --duration 5
    python bench/serve.py --rounds 3 --max-wait-ms 2 --json

The demo is run into a temporary folder (`credit-risk@1` deployed, the origination service's
key) and a decide token issued. The server is `bench/_serve_app.py` on uvicorn, in processes of
its own (`--workers`); the load is Debian's `wrk` on 127.0.0.1 (`bench/serve.lua`: one
German credit holdout row per POST, cycling through the rows). Runs alternate, baseline then
logged, `--rounds` times; each server is warmed for 2 s before its timed run. Printed: the
median decisions/s and p50/p99 of each, the ratio logged/baseline, and after the logged runs
whether the ledger gained as many `prediction.logged` entries as wrk counted 2xx answers (wrk
stops with requests in flight, which the server still decides and logs: at most one per
connection) and whether `govern verify` passes. A run with non-2xx answers or socket errors
reports them instead of a rate. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from govern.demo import SERVICE, TARGET, run_demo  # noqa: E402
from govern.registry import Registry, tokens  # noqa: E402

ROUTE = "/v1/models/credit-risk/decisions"
LUA = ROOT / "bench" / "serve.lua"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
WARMUP_S = 2

# ---- wrk's output ---------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION_S = {"us": 1e-6, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass
class WrkRun:
    """What one wrk run printed: requests completed, its time, latencies, and errors."""

    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        """Answers with a 2xx (or 3xx) status: the decisions answered."""
        return self.requests - self.non_2xx

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    @property
    def decisions_per_s(self) -> float:
        return self.ok / self.seconds


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(text: str) -> WrkRun:
    """Parse wrk's output with ``--latency``: requests, duration, Requests/sec, the 50% and 99%
    latency lines, "Non-2xx or 3xx responses" and "Socket errors"."""
    done = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),", text, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    p50 = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    if not (done and rate and p50 and p99):
        raise ValueError("not wrk --latency output:\n" + text)
    non = re.search(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", text, re.M)
    sock = re.search(
        r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text, re.M
    )
    socket_errors = {}
    if sock:
        names = ("connect", "read", "write", "timeout")
        socket_errors = dict(zip(names, map(int, sock.groups()), strict=True))
    return WrkRun(
        requests=int(done.group(1)),
        seconds=float(done.group(2)) * _DURATION_S[done.group(3)],
        requests_per_s=float(rate.group(1)),
        p50_ms=_ms(*p50.groups()),
        p99_ms=_ms(*p99.groups()),
        non_2xx=int(non.group(1)) if non else 0,
        socket_errors=socket_errors,
    )


# ---- the registry, the bodies, the server -----------------------------------------------------


def prepare(folder: Path, *, fresh: bool = True) -> tuple[Path, Path, str, Path]:
    """The demo's registry (run into ``folder`` when ``fresh``), the service's key, a decide
    token, and a file of request bodies (one holdout row each, one per line)."""
    if fresh:
        run_demo(folder)
    db = folder / "registry.db"
    with Registry.open(str(db), key=folder / "ada_ed25519") as reg:
        token = tokens.issue(reg, SERVICE, scope="decide").text
    holdout = pd.read_csv(folder / "data" / "german-holdout.csv").drop(columns=[TARGET])
    bodies = folder / "bodies.jsonl"
    with bodies.open("w") as f:
        for row in json.loads(holdout.to_json(orient="records")):
            f.write(json.dumps({"rows": [row]}, separators=(",", ":")) + "\n")
    return db, folder / "keys" / f"{SERVICE}_ed25519", token, bodies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The decisions app on uvicorn in its own processes, started and stopped by this bench."""

    def __init__(self, db: Path, key: Path, *, log: bool, workers: int, max_wait: float) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            GOVERN_BENCH_DB=str(db),
            GOVERN_BENCH_KEY=str(key),
            GOVERN_BENCH_LOG="1" if log else "0",
            GOVERN_BENCH_MAX_WAIT=str(max_wait),
        )
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench._serve_app:app_factory",
            "--factory",
            "--app-dir",
            str(ROOT),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        self.log_file = db.parent / f"uvicorn-{self.port}.log"
        with self.log_file.open("w") as out:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("uvicorn exited:\n" + self.log_file.read_text())
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("uvicorn did not become ready:\n" + self.log_file.read_text())

    def stop(self) -> None:
        """Stop gracefully (SIGINT: in-flight requests are answered, the batcher drained)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wrk(url: str, bodies: Path, token: str, *, seconds: int, connections: int) -> WrkRun:
    """One bounded wrk run against ``url`` (127.0.0.1 only)."""
    assert url.startswith("http://127.0.0.1:")
    command = [
        WRK,
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(LUA),
        url + ROUTE,
        "--",
        str(bodies),
        token,
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return parse_wrk(out.stdout)


def settled_count(db: Path) -> int:
    """The prediction.logged count once the requests wrk left in flight are logged."""
    n = logged_count(db)
    while True:
        time.sleep(0.5)
        again = logged_count(db)
        if again == n:
            return n
        n = again


def logged_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM ledger_entries WHERE kind = 'prediction.logged'"
        ).fetchone()
    return int(n)


# ---- the bench --------------------------------------------------------------------------------


def one_run(
    args: argparse.Namespace, db: Path, key: Path, token: str, bodies: Path, *, log: bool
) -> dict[str, Any]:
    server = Server(db, key, log=log, workers=args.workers, max_wait=args.max_wait_ms / 1000)
    try:
        server.wait_ready()
        # the first decision loads the version (artifact, gates' view): not throughput
        first = urllib.request.Request(
            server.url + ROUTE,
            data=bodies.open("rb").readline(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        for _ in range(args.workers * 4):
            with urllib.request.urlopen(first, timeout=120) as r:
                r.read()
        wrk(server.url, bodies, token, seconds=WARMUP_S, connections=args.connections)
        before = settled_count(db)
        run = wrk(server.url, bodies, token, seconds=args.duration, connections=args.connections)
    finally:
        server.stop()
    after = logged_count(db)
    out: dict[str, Any] = {"logged": log, **asdict(run), "ok": run.ok}
    out["decisions_per_s"] = None if run.errors else run.decisions_per_s
    out["ledger_gained"] = after - before
    return out


def median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs]
    return None if any(v is None for v in values) else statistics.median(values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--workers", type=int, choices=(1, 2), default=2, help="uvicorn workers")
    ap.add_argument("--duration", type=int, default=10, help="seconds of each timed wrk run")
    ap.add_argument("--connections", type=int, default=32, help="concurrent connections")
    ap.add_argument("--max-wait-ms", type=float, default=4.0, help="batching wait (ms)")
    ap.add_argument("--rounds", type=int, default=2, help="pairs of runs: baseline, logged")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument("--demo", type=Path, help="a folder `govern demo` made (copied, not run)")
    args = ap.parse_args()

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    out: dict[str, Any] = {
        "command": "python bench/serve.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "max_wait_ms": args.max_wait_ms,
    }
    say(out["command"])
    say(out["machine"])
    folder = Path(tempfile.mkdtemp(prefix="govern-serve-bench-"))
    if args.demo:
        shutil.copytree(args.demo, folder / "demo")
        folder = folder / "demo"
    db, key, token, bodies = prepare(folder, fresh=not args.demo)
    say(f"demo registry in {folder}; {sum(1 for _ in bodies.open())} request bodies")

    runs: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for i in range(args.rounds):
        for log in (False, True):
            r = one_run(args, db, key, token, bodies, log=log)
            runs[log].append(r)
            name = "logged  " if log else "baseline"
            line = (
                f"round {i + 1} {name}: {r['ok']:,} decisions in {r['seconds']:.2f} s, "
                f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms"
            )
            if r["decisions_per_s"] is None:
                line += f"; ERRORS: non-2xx {r['non_2xx']}, socket {r['socket_errors']}"
            else:
                line += f", {r['decisions_per_s']:,.0f} decisions/s"
            if log:
                extra = r["ledger_gained"] - r["ok"]
                line += (
                    f"; ledger gained {r['ledger_gained']:,} prediction.logged "
                    f"({'exactly the 2xx' if extra == 0 else f'{extra:+d} against the 2xx'})"
                )
            say(line)

    for log, name in ((False, "baseline"), (True, "logged")):
        out[name] = {
            "runs": runs[log],
            "decisions_per_s": median_of(runs[log], "decisions_per_s"),
            "p50_ms": median_of(runs[log], "p50_ms"),
            "p99_ms": median_of(runs[log], "p99_ms"),
        }
    base, logged = out["baseline"]["decisions_per_s"], out["logged"]["decisions_per_s"]
    out["ratio"] = logged / base if base and logged else None
    # wrk stops with requests in flight; the server still decides and logs them
    extras = [r["ledger_gained"] - r["ok"] for r in runs[True]]
    out["ledger_extra_over_2xx"] = extras
    out["ledger_matches"] = all(0 <= e <= args.connections for e in extras)
    verify = subprocess.run(
        [str(Path(sys.executable).with_name("govern")), "verify", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    out["verify_exit"] = verify.returncode
    out["ledger_entries"] = None
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        out["ledger_entries"] = conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]

    if args.json:
        print(json.dumps(out, indent=2))
        return
    for name in ("baseline", "logged"):
        o = out[name]
        rate = (
            "ERRORS (see above)"
            if o["decisions_per_s"] is None
            else (f"{o['decisions_per_s']:,.0f} decisions/s")
        )
        print(f"{name:8} median: {rate}, p50 {o['p50_ms']:.2f} ms, p99 {o['p99_ms']:.2f} ms")
    if out["ratio"] is not None:
        print(f"ratio logged / baseline: {out['ratio']:.2f}")
    verdict = "ok: at most one in flight per connection" if out["ledger_matches"] else "MISMATCH"
    print(
        "ledger gained, beyond wrk's 2xx count, per logged run: "
        + ", ".join(f"{e:+d}" for e in extras)
        + f" ({verdict})"
    )
    print(
        f"govern verify --db {db}: exit {verify.returncode} "
        f"({out['ledger_entries']:,} entries)"
        + ("" if verify.returncode == 0 else "\n" + verify.stdout + verify.stderr)
    )
    if verify.returncode == 0:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
