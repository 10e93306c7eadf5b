"""Monitoring benchmark: govern's drift (PSI of every feature) beside Evidently's, in one run.

    python bench/monitor.py                  # 1,000,000 monitored rows
    python bench/monitor.py --n 100000       # smaller
    python bench/monitor.py --json           # the figures as one JSON object
    python bench/monitor.py --evidently-python /path/to/python   # another Evidently venv

Evidently needs pandas < 3, so it runs in its own virtualenv (never this one), made with
    python3 -m venv /work/evidently-venv
    /work/evidently-venv/bin/pip install "evidently==0.7.23" "pandas<3" pyarrow
Without it the Evidently part is skipped, and a line says so.

The data: n rows resampled (fixed seed) from the German credit data, with a known shift:
duration_in_month multiplied by 1.5 for a random third of the rows. The baseline is the profile
of the 1,000 original rows (`govern.registry.profiles.profile`). Then:
- govern: `Bins.count` and `psi` for all 20 features on the n rows, columns already in memory as
  numpy arrays (float64 for numeric, object arrays of str/None for categorical); best of 3;
- Evidently: the same reference and current frames written to Parquet, loaded by a script run in
  the Evidently venv, which times `Report([DataDriftPreset(method="psi")]).run(current,
  reference)` on the 20 features (Parquet loading and `Dataset.from_pandas` timed apart); best
  of 3. Its PSI bins differ from govern's, so the two PSI figures need not be equal.
Figures are printed with the command that produced them; they are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from govern.monitor.drift import Bins, psi, shares  # noqa: E402
from govern.registry.profiles import profile  # noqa: E402

TARGET = "creditability"
DATA = ROOT / "govern" / "data" / "germancredit.csv"
SHIFTED = "duration_in_month"
EVIDENTLY_PYTHON = "/work/evidently-venv/bin/python"

# Run by the Evidently venv's python: argv = reference.parquet current.parquet repeats
#   numeric,columns categorical,columns; prints one JSON object.
EVIDENTLY_SCRIPT = r"""
import json, resource, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
import evidently
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

ref_path, cur_path, repeats, num, cat = sys.argv[1:6]
num, cat = [c for c in num.split(",") if c], [c for c in cat.split(",") if c]
t0 = time.perf_counter()
reference, current = pd.read_parquet(ref_path), pd.read_parquet(cur_path)
load = time.perf_counter() - t0
definition = DataDefinition(numerical_columns=num, categorical_columns=cat)
t0 = time.perf_counter()
ref = Dataset.from_pandas(reference[num + cat], data_definition=definition)
cur = Dataset.from_pandas(current[num + cat], data_definition=definition)
wrap = time.perf_counter() - t0
best, found = float("inf"), {}
for _ in range(int(repeats)):
    t0 = time.perf_counter()
    snapshot = Report([DataDriftPreset(method="psi")]).run(cur, ref)
    best = min(best, time.perf_counter() - t0)
found = {
    m["config"]["column"]: m["value"]
    for m in snapshot.dict()["metrics"]
    if m["config"].get("type", "").endswith("ValueDrift") and m["config"].get("method") == "psi"
}
print(json.dumps({
    "version": evidently.__version__,
    "pandas": pd.__version__,
    "load_seconds": load,
    "dataset_seconds": wrap,
    "seconds": best,
    "psi_columns": len(found),
    "psi": found,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def frames(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The original rows (reference) and n resampled rows with the known shift (current)."""
    reference = pd.read_csv(DATA)
    rng = np.random.default_rng(seed)
    current = reference.iloc[rng.integers(0, len(reference), n)].reset_index(drop=True)
    duration = current[SHIFTED].to_numpy(dtype="float64")
    third = rng.permutation(n)[: n // 3]
    duration[third] *= 1.5
    current[SHIFTED] = duration
    return reference, current


def columns(frame: pd.DataFrame, features: list[str]) -> dict[str, np.ndarray[Any, Any]]:
    """Each feature as a numpy array: float64 (NaN missing) or object of str/None."""
    out: dict[str, np.ndarray[Any, Any]] = {}
    for name in features:
        s = frame[name]
        if pd.api.types.is_numeric_dtype(s):
            out[name] = s.to_numpy(dtype="float64", na_value=np.nan)
        else:
            arr = s.astype(object).to_numpy(dtype=object, copy=True)
            arr[s.isna().to_numpy(dtype=bool)] = None
            out[name] = arr
    return out


def bench_govern(prof: dict[str, Any], data: dict[str, Any], repeats: int) -> dict[str, Any]:
    """Counts on the profile's bins and PSI for every feature; best of ``repeats``."""
    bins = {name: Bins.from_profile(name, prof["bins"][name]) for name in data}
    best, found = float("inf"), {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        found = {
            name: psi(list(b.baseline), shares(b.count(data[name]))) for name, b in bins.items()
        }
        best = min(best, time.perf_counter() - t0)
    return {"seconds": best, "psi": found}


def bench_evidently(
    python: str, reference: pd.DataFrame, current: pd.DataFrame, features: list[str], repeats: int
) -> dict[str, Any] | str:
    """Evidently's figures from its own venv, or the reason it could not run (a string)."""
    if not Path(python).exists():
        return f"no Evidently python at {python}"
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(reference[c])]
    categorical = [c for c in features if c not in numeric]
    lists = [",".join(numeric), ",".join(categorical)]
    with tempfile.TemporaryDirectory(prefix="govern-bench-") as tmp:
        ref_path, cur_path = Path(tmp) / "reference.parquet", Path(tmp) / "current.parquet"
        reference[features].to_parquet(ref_path, index=False)
        current[features].to_parquet(cur_path, index=False)
        proc = subprocess.run(
            [python, "-c", EVIDENTLY_SCRIPT, str(ref_path), str(cur_path), str(repeats), *lists],
            capture_output=True,
            text=True,
        )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no message"]
        return f"the Evidently script failed (exit {proc.returncode}): {tail[0]}"
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def end_to_end(args: argparse.Namespace) -> dict[str, Any] | None:
    """filled in by the registry bench"""
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="monitored rows")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each (best is kept)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the resampling and the shift")
    ap.add_argument("--evidently-python", default=EVIDENTLY_PYTHON, help="the Evidently venv")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args()

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    out: dict[str, Any] = {
        "command": "python bench/monitor.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
    }
    say(out["command"])
    reference, current = frames(args.n, args.seed)
    features = [c for c in reference.columns if c != TARGET]
    prof = profile(reference, target=TARGET)
    data = columns(current, features)
    out["rows"], out["features"] = args.n, len(features)
    say(f"{args.n:,} rows, {len(features)} features; {SHIFTED} x1.5 on a third of the rows")

    gov = bench_govern(prof, data, args.repeats)
    out["govern"] = {
        "seconds": gov["seconds"],
        "rows_per_s": args.n / gov["seconds"],
        "psi_" + SHIFTED: gov["psi"][SHIFTED],
        "psi": gov["psi"],
    }
    say(
        f"govern (Bins.count + psi, in memory, best of {args.repeats}): "
        f"{gov['seconds']:.3f} s, {args.n / gov['seconds']:,.0f} rows/s; "
        f"PSI {SHIFTED} {gov['psi'][SHIFTED]:.4f}"
    )

    ev = bench_evidently(args.evidently_python, reference, current, features, args.repeats)
    if isinstance(ev, str):
        out["evidently"] = {"skipped": ev}
        say(f"Evidently: skipped ({ev})")
    else:
        ev["rows_per_s"] = args.n / ev["seconds"]
        ev["psi_" + SHIFTED] = ev["psi"].get(SHIFTED)
        out["evidently"] = ev
        out["ratio_govern_to_evidently_rate"] = out["govern"]["rows_per_s"] / ev["rows_per_s"]
        say(
            f"Evidently {ev['version']} (Report([DataDriftPreset(method='psi')]).run, "
            f"{ev['psi_columns']} columns, best of {args.repeats}): {ev['seconds']:.3f} s, "
            f"{ev['rows_per_s']:,.0f} rows/s; PSI {SHIFTED} {ev['psi_' + SHIFTED]:.4f}"
        )
        say(
            f"  not timed: Parquet load {ev['load_seconds']:.2f} s, Dataset.from_pandas "
            f"{ev['dataset_seconds']:.2f} s; Evidently process peak RSS "
            f"{ev['peak_rss_mib']:,.0f} MiB"
        )
        say(f"ratio govern / Evidently rate: {out['ratio_govern_to_evidently_rate']:.1f}")

    e2e = end_to_end(args)
    if e2e is not None:
        out["end_to_end"] = e2e
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"govern process peak RSS: {out['peak_rss_mib']:,.0f} MiB")
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
