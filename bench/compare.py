"""Release-gate benchmark: `govern compare --replay` end to end, beside both models' bare
`predict_proba` on the same rows, in one run.

    python bench/compare.py                 # 1,000,000 logged decisions
    python bench/compare.py --n 200000      # smaller
    python bench/compare.py --json

A registry is built as bench/provenance.py builds it (the linear `credit-risk@1` and the
gradient-boosted `credit-trees@1`, both approved and deployed); n decisions of `credit-risk@1`
are logged. Then:
- end to end: `compare(credit-trees@1, credit-risk@1, replay=True, with_reasons=False)` (reading
  the logged inputs, scoring both models, actions, the checks, SHAP ranks on a fixed sample of
  200 rows) and writing rows.csv; rows/s;
- the baseline in the same run: both models' bare `predict_proba` on the same rows (already in
  memory); rows/s, and the ratio of the two (goal: at least 0.5);
- apart: the principal reasons of every row both models decline (SHAP for each, both models),
  as rows/s of declined rows.
Figures are printed with the command that produced them; they are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import provenance as pb  # noqa: E402

from govern.compare import run as compare_run  # noqa: E402
from govern.compare.output import rows_csv  # noqa: E402
from govern.provenance.scorer import Scorer  # noqa: E402
from govern.registry import models  # noqa: E402

CANDIDATE, LIVE = "credit-trees@1", "credit-risk@1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="logged decisions replayed")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args()

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    out: dict[str, Any] = {
        "command": "python bench/compare.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
    }
    say(out["command"])
    folder = Path(tempfile.mkdtemp(prefix="govern-compare-bench-"))
    reg, _ = pb.build(str(folder / "registry.db"), folder)
    scorer = Scorer(reg, LIVE)
    for i in range(0, args.n, 10_000):
        scorer.predict_proba(pb.applications(min(10_000, args.n - i), seed=i))
    say(f"{args.n:,} decisions of {LIVE} logged")

    t0 = time.perf_counter()
    result = compare_run.compare(reg, CANDIDATE, LIVE, replay=True, with_reasons=False)
    csv = rows_csv(result)
    e2e = time.perf_counter() - t0
    out["end_to_end"] = {"rows": result.rows, "seconds": e2e, "rows_per_s": result.rows / e2e}
    say(
        f"end to end (replay, both models, checks, rows.csv): {e2e:.2f} s, "
        f"{result.rows / e2e:,.0f} rows/s"
    )

    live_mv, cand_mv = models.resolve(reg, LIVE), models.resolve(reg, CANDIDATE)
    frame, _ids, _scores, _erased, _digest, _pre = compare_run._replay(
        reg, live_mv, None, None, cand_mv.record.feature_names
    )
    live_model, cand_model = models.load(reg, live_mv), models.load(reg, cand_mv)
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        live_model.predict_proba(frame[live_mv.record.feature_names])
        cand_model.predict_proba(frame[cand_mv.record.feature_names])
        seconds = time.perf_counter() - t0
        best = seconds if best is None else min(best, seconds)
    assert best is not None
    out["bare_predict_proba"] = {"seconds": best, "rows_per_s": len(frame) / best}
    out["ratio_to_bare"] = (result.rows / e2e) / (len(frame) / best)
    say(
        f"both models' bare predict_proba on the same rows (best of 2): {best:.2f} s, "
        f"{len(frame) / best:,.0f} rows/s; ratio {out['ratio_to_bare']:.2f} (goal 0.5)"
    )

    both = (result.table["action"] == "bad") & (result.table["live_action"] == "bad")
    position = {pid: i for i, pid in enumerate(_ids)}
    declined = frame.loc[result.table.loc[both, "id"].map(position)]
    background = frame.sample(n=100, random_state=0)
    t0 = time.perf_counter()
    compare_run._reasons(cand_mv, cand_model, declined, background)
    compare_run._reasons(live_mv, live_model, declined, background)
    seconds = time.perf_counter() - t0
    out["reasons"] = {
        "declined_by_both": len(declined),
        "seconds": seconds,
        "declined_rows_per_s": len(declined) / seconds if seconds else None,
    }
    say(
        f"principal reasons of the {len(declined):,} rows both decline (SHAP, both models): "
        f"{seconds:.2f} s, {len(declined) / seconds:,.0f} declined rows/s"
    )
    out["rows_csv_bytes"] = len(csv)
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
