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
import contextlib
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
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
import evidently
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

def peak_mib():  # VmHWM: this process's own peak; ru_maxrss keeps the parent's across exec
    with open("/proc/self/status") as status:
        hwm = [line.split()[1] for line in status if line.startswith("VmHWM:")]
    return int(hwm[0]) / 1024 if hwm else None

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
    "peak_rss_mib": peak_mib(),
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


def _peak_mib() -> float | None:
    """This process's peak resident set since the last reset (Linux /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def registry_run(n: int) -> dict[str, Any]:
    """In a fresh process: a registry with n logged decisions of credit-risk@1 (bench/provenance.py
    builds it), then `govern.monitor.monitor` on all of them, timed, with its peak memory."""
    sys.path.insert(0, str(ROOT / "bench"))
    import provenance as pb

    from govern.monitor import monitor
    from govern.provenance.scorer import Scorer

    folder = Path(tempfile.mkdtemp(prefix="govern-monitor-bench-"))
    reg, _ = pb.build(str(folder / "registry.db"), folder)
    scorer = Scorer(reg, "credit-risk@1")
    t0 = time.perf_counter()
    for i in range(0, n, 10_000):
        batch = pb.applications(min(10_000, n - i), seed=i)
        third = batch.index % 3 == 0
        batch.loc[third, SHIFTED] = (batch.loc[third, SHIFTED] * 1.5).round()
        scorer.predict_proba(batch)
    logged = time.perf_counter() - t0
    before = _peak_mib()
    with contextlib.suppress(OSError):  # reset the peak, so it is monitoring's own
        Path("/proc/self/clear_refs").write_text("5")
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        report = monitor(reg, "credit-risk@1")
        seconds = time.perf_counter() - t0
        best = seconds if best is None else min(best, seconds)
    by = {d.name: d.psi for d in report.features}
    return {
        "rows": report.rows,
        "logging_seconds": logged,
        "seconds": best,
        "rows_per_s": report.rows / best,
        "psi_" + SHIFTED: by[SHIFTED],
        "peak_rss_mib_before": before,
        "peak_rss_mib_monitoring": _peak_mib(),
        "database_mib": (folder / "registry.db").stat().st_size / 2**20,
    }


def end_to_end(args: argparse.Namespace) -> dict[str, Any] | None:
    """End to end from the registry: reading and parsing the logged decisions and their inputs
    included, in a fresh process (so its memory is its own); `--registry-n 0` skips it."""
    if args.registry_n <= 0:
        return None
    done = subprocess.run(
        [sys.executable, __file__, "--registry-only", str(args.registry_n)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="monitored rows")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each (best is kept)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the resampling and the shift")
    ap.add_argument("--evidently-python", default=EVIDENTLY_PYTHON, help="the Evidently venv")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument(
        "--registry-n", type=int, default=1_000_000, help="decisions logged for the end-to-end run"
    )
    ap.add_argument("--registry-only", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.registry_only:
        print(json.dumps(registry_run(args.registry_only)))
        return

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
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
            f"{ev['peak_rss_mib'] or 0:,.0f} MiB"
        )
        say(f"ratio govern / Evidently rate: {out['ratio_govern_to_evidently_rate']:.1f}")

    e2e = end_to_end(args)
    if e2e is not None:
        out["end_to_end"] = e2e
        say(
            f"end to end from the registry ({e2e['rows']:,} logged decisions, inputs read and "
            f"parsed, best of 2): {e2e['seconds']:.2f} s, {e2e['rows_per_s']:,.0f} rows/s; "
            f"peak RSS while monitoring {e2e['peak_rss_mib_monitoring'] or 0:,.0f} MiB"
        )
        if isinstance(ev, dict):
            out["ratio_end_to_end_to_evidently_rate"] = e2e["rows_per_s"] / ev["rows_per_s"]
            say(
                "ratio end to end / Evidently in-memory rate: "
                f"{out['ratio_end_to_end_to_evidently_rate']:.2f}"
            )
    say(
        f"govern process peak RSS (data built and govern's drift, before the Evidently part): "
        f"{out['peak_rss_mib']:,.0f} MiB"
    )
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
