"""Start-up benchmark: whole commands in fresh processes, beside bare Python in the same run.

    python bench/startup.py             # builds the demo registry in a temporary folder
    python bench/startup.py --runs 7

Each command runs ``--runs`` times in a fresh interpreter (the median is printed), beside two
baselines measured alternately with them: ``python -c pass`` and ``python -c "import typer,
rich"`` (the floor of any typer CLI). Goals (docs/performance.md, "Start-up"): `govern --help` and
`govern COMMAND --help` under 0.3 s; `show`, `proof`, `log`, `status`, `inventory` and `verify` on
the demo registry under 0.8 s (`checkpoint` signs and keeps a checkpoint, so it is left out of
a repeated benchmark). Figures are printed, never asserted.
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

GOVERN = [sys.executable, "-m", "govern.cli.main"]


def timed(argv: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-400:]}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"python bench/startup.py --runs {args.runs}")
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    folder = Path(tempfile.mkdtemp(prefix="govern-startup-"))
    subprocess.run([*GOVERN, "demo", "demo"], cwd=folder, capture_output=True, check=True)
    db = ["--db", "demo/registry.db"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import typer, rich'": [sys.executable, "-c", "import typer, rich"],
        "govern --help": [*GOVERN, "--help"],
        "govern model add --help": [*GOVERN, "model", "add", "--help"],
        "govern card --help": [*GOVERN, "card", "--help"],
        "govern show 1": [*GOVERN, "show", "1", *db],
        "govern proof 1": [*GOVERN, "proof", "1", *db],
        "govern log --limit 5": [*GOVERN, "log", "--limit", "5", *db],
        "govern status credit-risk@1": [*GOVERN, "status", "credit-risk@1", *db],
        "govern inventory": [*GOVERN, "inventory", *db],
        "govern verify": [*GOVERN, "verify", *db],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):  # alternate, so drift on the machine hits every command alike
        for name, argv in commands.items():
            times[name].append(timed(argv, folder))
    print(f"\n| command | median of {args.runs} | goal |")
    print("|---|---:|---:|")
    for name, values in times.items():
        goal = ""
        if name.startswith("govern"):
            goal = "< 0.3 s" if name.endswith("--help") else "< 0.8 s"
        print(f"| `{name}` | {statistics.median(values):.3f} s | {goal} |")


if __name__ == "__main__":
    main()
