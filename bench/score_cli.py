"""`govern score` end to end, beside the library path on the same rows, in one run.

    python bench/score_cli.py                # 100,000 rows
    python bench/score_cli.py --n 20000      # smaller

A registry is built as bench/provenance.py builds it (credit-risk@1, the demo's
logistic-regression pipeline, approved and deployed). The same n applications are written to a
CSV file, then, alternating (``--rounds`` times each, medians):
- the command: `govern score credit-risk@1 FILE --id-col id -o OUT --force` in a fresh process,
  process start included (rows/s), and Python's own start-up (`python -c pass`) beside it;
- the library path in this process: `score_file(reg, "credit-risk@1", FILE, id_col="id")`
  (reading the file, scoring, logging and checking the inputs against the training profile),
  then writing the same CSV; rows/s.
Goals (issue 13): the command at least 30,000 rows/s; past start-up, at least 0.9 of the
library path's rate. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import provenance as pb  # noqa: E402

from govern.provenance import score_file  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"python bench/score_cli.py --n {args.n} --rounds {args.rounds}")
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    folder = Path(tempfile.mkdtemp(prefix="govern-score-bench-"))
    db = folder / "registry.db"
    reg, _ = pb.build(str(db), folder)
    key = folder / "scoring-svc_ed25519"
    cli, lib, floor = [], [], []
    for r in range(args.rounds):
        for kind in ("cli", "lib"):
            data = pb.applications(args.n, seed=r * 2 + (kind == "lib"))
            data.insert(0, "id", [f"{kind}-{r}-{i:07d}" for i in range(args.n)])
            src = folder / f"apps-{kind}-{r}.csv"
            data.to_csv(src, index=False)
            out = folder / f"scored-{kind}-{r}.csv"
            t0 = time.perf_counter()
            if kind == "cli":
                cmd = [sys.executable, "-m", "govern.cli.main", "--sign-with", str(key), "score"]
                cmd += ["credit-risk@1", str(src), "--id-col", "id", "-o", str(out), "--force"]
                cmd += ["--db", str(db), "--artifacts", str(folder / "artifacts")]
                done = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if done.returncode:
                    raise SystemExit(done.stderr)
                cli.append(time.perf_counter() - t0)
            else:
                batch = score_file(reg, "credit-risk@1", src, id_col="id")
                batch.write_csv(out)
                lib.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        floor.append(time.perf_counter() - t0)
    c, li, f = statistics.median(cli), statistics.median(lib), statistics.median(floor)
    print(f"\n| what | median of {args.rounds} | rows/s |")
    print("|---|---:|---:|")
    print(f"| `govern score` command, process start included | {c:.2f} s | {args.n / c:,.0f} |")
    print(f"| library `score_file` + CSV, in process | {li:.2f} s | {args.n / li:,.0f} |")
    print(f"| `python -c pass` | {f:.3f} s | |")
    print(f"\ncommand / library rate: {li / c:.2f} (goal: the command at least 30,000 rows/s)")


if __name__ == "__main__":
    main()
