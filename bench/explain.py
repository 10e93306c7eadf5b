"""Explanation benchmark: govern's SHAP step beside the fastest raw method, in the same process.

    python bench/explain.py                 # 10,000 rows explained, 30 features, 200 trees
    python bench/explain.py --rows 2000     # smaller

The model is a 200-tree LightGBM classifier (HistGradientBoosting if LightGBM is not installed)
trained on synthetic credit-like data. Measured:
- the SHAP step over all rows: govern's `ModelExplainer(model).explain(X)` (method choice,
  column checks, the fidelity check against predict(raw_score=True), the DataFrame) against the
  fastest raw call, `booster_.predict(X, pred_contrib=True)` (or shap's TreeExplainer for
  HistGradientBoosting); the ratio raw/govern, goal >= 0.9;
- one decision with a warm explainer (`explainer.decision(X, row_id)`, reasons included): p50 and
  p99 latency, goal p50 < 20 ms;
- the finished global report for all rows: HTML (figures included), then PDF.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402

from govern.documents.explanation import global_report  # noqa: E402
from govern.explain import ModelExplainer  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def train(rows: int, features: int, trees: int) -> tuple[Any, pd.DataFrame, str]:
    """A boosted model on synthetic data, and `rows` held-out rows to explain."""
    n_train = max(20_000, rows)
    X, y = make_classification(
        n_samples=n_train + rows,
        n_features=features,
        n_informative=features // 2,
        n_redundant=features // 6,
        flip_y=0.05,
        random_state=0,
    )
    frame = pd.DataFrame(X, columns=[f"f{i:02d}" for i in range(features)])
    train_X, test_X = frame.iloc[:n_train], frame.iloc[n_train:].reset_index(drop=True)
    try:
        import lightgbm

        model = lightgbm.LGBMClassifier(n_estimators=trees, verbose=-1, random_state=0)
        name = f"LightGBM {lightgbm.__version__}, {trees} trees"
    except ImportError:
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(max_iter=trees, early_stopping=False)
        name = f"HistGradientBoosting, {trees} iterations"
    model.fit(train_X, y[:n_train])
    return model, test_X, name


def raw_method(model: Any) -> Callable[[pd.DataFrame], np.ndarray]:
    """The fastest exact SHAP call for the model, without govern."""
    if hasattr(model, "booster_"):
        return lambda X: model.booster_.predict(X, pred_contrib=True)
    import shap

    explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    return lambda X: explainer.shap_values(X.to_numpy(), check_additivity=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows explained (10,000)")
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each SHAP step (best)")
    parser.add_argument("--decisions", type=int, default=300, help="single decisions timed")
    parser.add_argument("--out", type=Path, default=None, help="keep the reports here")
    args = parser.parse_args()

    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    t_train, (model, X, name) = timed(lambda: train(args.rows, args.features, args.trees))
    print(f"model: {name}; {args.features} features; trained in {t_train:.1f} s")
    print(f"explaining {len(X):,} held-out rows")

    raw = raw_method(model)
    raw(X.iloc[:50])  # warm both paths (thread pools, lazy imports)
    ModelExplainer(model).explain(X.iloc[:50])
    raw_times, govern_times = [], []
    explanation = None
    for _ in range(args.repeats):
        raw_times.append(timed(lambda: raw(X))[0])
        seconds, explanation = timed(lambda: ModelExplainer(model).explain(X))
        govern_times.append(seconds)
    assert explanation is not None
    best_raw, best_govern = min(raw_times), min(govern_times)
    print(f"\nSHAP step over all rows (best of {args.repeats})")
    print(f"  raw {explanation.method} call : {best_raw:8.2f} s  {len(X) / best_raw:8,.0f} rows/s")
    print(f"  govern explain()    : {best_govern:8.2f} s  {len(X) / best_govern:8,.0f} rows/s")
    print(f"  ratio raw/govern    : {best_raw / best_govern:8.3f}   (goal >= 0.9)")
    if hasattr(model, "booster_"):  # the same native call held to one core, for the speed-up
        one = min(
            timed(lambda: model.booster_.predict(X, pred_contrib=True, num_threads=1))[0]
            for _ in range(args.repeats)
        )
        print(f"  raw call, one core  : {one:8.2f} s  {len(X) / one:8,.0f} rows/s")
        print(
            f"  govern on {os.cpu_count()} cores / one core: {one / best_govern:5.2f}x   "
            "(goal >= 1.7x)"
        )
    print(
        f"  fidelity            : max |error| {explanation.fidelity.max_abs_error:.2e} "
        f"({explanation.output_space}), tolerance {explanation.fidelity.tolerance:g}"
    )

    explainer = ModelExplainer(model)
    rng = random.Random(0)
    ids = [rng.randrange(len(X)) for _ in range(args.decisions)]
    for row in ids[:10]:
        explainer.decision(X, row)
    latencies, raw_latencies = [], []
    for row in ids:
        start = time.perf_counter()
        explainer.decision(X, row)
        latencies.append(time.perf_counter() - start)
        start = time.perf_counter()
        raw(X.iloc[[row]])
        raw_latencies.append(time.perf_counter() - start)
    print(f"\nOne decision, warm explainer ({args.decisions} decisions, reasons included)")
    print(
        f"  govern decision()   : p50 {pct(latencies, 0.5) * 1e3:6.2f} ms  "
        f"p99 {pct(latencies, 0.99) * 1e3:6.2f} ms  (goal p50 < 20 ms)"
    )
    print(
        f"  raw one-row call    : p50 {pct(raw_latencies, 0.5) * 1e3:6.2f} ms  "
        f"p99 {pct(raw_latencies, 0.99) * 1e3:6.2f} ms"
    )
    print(f"  ratio raw/govern p50: {pct(raw_latencies, 0.5) / pct(latencies, 0.5):6.3f}")

    out = args.out or Path(tempfile.mkdtemp(prefix="govern-bench-explain-"))
    out.mkdir(parents=True, exist_ok=True)
    report = global_report(explanation, title=f"Benchmark: {name}", digests={"model": "0" * 64})
    t_html, _ = timed(lambda: report.write(out / "global.html"))
    t_pdf, _ = timed(lambda: report.write(out / "global.pdf"))
    print(f"\nGlobal report for {len(X):,} rows (in {out})")
    print(f"  HTML with figures   : {t_html:6.2f} s")
    print(f"  PDF from that HTML  : {t_pdf:6.2f} s")
    print(f"  explain + HTML + PDF: {best_govern + t_html + t_pdf:6.2f} s")
    print(
        f"  sizes               : HTML {(out / 'global.html').stat().st_size / 1e6:.2f} MB, "
        f"PDF {(out / 'global.pdf').stat().st_size / 1e6:.2f} MB"
    )
    print(
        f"\nspread: raw {statistics.mean(raw_times):.2f} s mean, govern "
        f"{statistics.mean(govern_times):.2f} s mean over {args.repeats} runs"
    )


if __name__ == "__main__":
    main()
