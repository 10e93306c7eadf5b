"""Model card benchmark: time to a finished PDF card for the German credit model.

    python bench/documents.py                   # the demo built in a temporary folder, 7 runs
    python bench/documents.py --demo DIR -n 15  # reuse a demo folder (`govern demo DIR`)

One process, warm (the first run, with imports and caches cold, is reported apart). Each run
builds the card from the ledger (gather the evidence, load the artifact by digest, recompute the
global SHAP importance and the stability indices), draws the four figures, renders the HTML and
writes the PDF with weasyprint. The baseline is bare weasyprint writing the same HTML to PDF, the
floor govern cannot go below; the ratio baseline/govern says how much of the time is that floor.
Goal: a finished PDF card in under 5 s.

It also times what a person or a CI job waits for: a fresh `govern card MODEL@V -o card.pdf`
process (Python start-up and every import included), beside a fresh process that only imports
what that command needs and exits (the start-up floor).
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govern.demo import run_demo  # noqa: E402
from govern.documents.card import build_card  # noqa: E402
from govern.presentation import html_to_pdf, packaged_template_dir  # noqa: E402
from govern.registry import Registry  # noqa: E402

REF = "credit-risk@1"


def pct(values: list[float], q: float) -> float:
    """The q-quantile by the nearest-rank method (q=0.9: p90)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def card_pdf(reg: Registry, out: Path) -> tuple[float, float, float, str]:
    """One finished PDF card: (build, figures + HTML, PDF) seconds, and the HTML."""
    t_build, doc = timed(lambda: build_card(reg, REF))
    t_html, html = timed(lambda: doc.html)
    t_pdf, _ = timed(lambda: html_to_pdf(html, out))
    return t_build, t_html, t_pdf, html


def bare_weasyprint(html: str, out: Path) -> float:
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    t, _ = timed(
        lambda: weasyprint.HTML(string=html, base_url=str(packaged_template_dir())).write_pdf(
            str(out)
        )
    )
    return t


def line(name: str, values: list[float]) -> str:
    return (
        f"  {name:<27} median {statistics.median(values):6.2f} s   "
        f"p90 {pct(values, 0.9):6.2f} s   min {min(values):6.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="an existing `govern demo` folder")
    parser.add_argument("-n", "--runs", type=int, default=7, help="timed runs (default 7)")
    parser.add_argument(
        "--cold",
        type=int,
        default=3,
        help="fresh `govern card` processes to time (default 3; 0: none)",
    )
    args = parser.parse_args()

    import weasyprint

    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"weasyprint {weasyprint.__version__}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.demo
        if folder is None:
            folder = Path(tmp) / "demo"
            t_demo, _ = timed(lambda: run_demo(folder))
            print(f"demo built in {t_demo:.1f} s")
        out = Path(tmp) / "card.pdf"
        with Registry.open(str(folder / "registry.db"), actor="bench") as reg:
            print(f"card of {REF}; ledger of {reg.ledger.size:,} entries")
            first = card_pdf(reg, out)
            print(
                f"first run in this process (imports, caches): {sum(first[:3]):.2f} s "
                f"(build {first[0]:.2f}, figures + HTML {first[1]:.2f}, PDF {first[2]:.2f})"
            )
            runs = [card_pdf(reg, out) for _ in range(args.runs)]
        colds, floors = [], []
        for _ in range(args.cold):
            colds.append(
                _process(
                    [
                        "-m",
                        "govern.cli.main",
                        "card",
                        REF,
                        "-o",
                        str(Path(tmp) / "cold.pdf"),
                        "--force",  # the same file each run
                        "--db",
                        str(folder / "registry.db"),
                    ]
                )
            )
            floors.append(_process(["-c", IMPORTS]))
        html = runs[-1][3]
        size = out.stat().st_size
        pages = _pages(out)
        baseline = [bare_weasyprint(html, Path(tmp) / "bare.pdf") for _ in range(args.runs)]

    builds, htmls, pdfs = ([r[i] for r in runs] for i in range(3))
    totals = [sum(r[:3]) for r in runs]
    print(
        f"\nfinished PDF card ({args.runs} warm runs; {pages} pages, {size / 1024:.0f} KiB, "
        f"HTML {len(html.encode()) / 1024:.0f} KiB)"
    )
    print(line("build from the ledger", builds))
    print(line("figures + HTML", htmls))
    print(line("PDF (weasyprint)", pdfs))
    print(line("total: ledger to PDF", totals) + "   (goal < 5 s)")
    print(line("bare weasyprint, same HTML", baseline))
    ratio = statistics.median(baseline) / statistics.median(totals)
    print(
        f"  ratio bare weasyprint / govern (medians): {ratio:.2f}  "
        f"(govern's own share: {1 - ratio:.0%})"
    )
    if colds:
        print(f"\nfresh process, `govern card {REF} -o card.pdf` ({len(colds)} runs)")
        print(line("whole command", colds))
        print(line("start-up and imports only", floors))


# What `govern card` imports before it renders: the CLI, the model's libraries, the renderers.
IMPORTS = (
    "import govern.cli.main, govern.documents.card, sklearn.pipeline, skops.io, "
    "matplotlib.pyplot, weasyprint"
)


def _process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def _pages(path: Path) -> str:
    try:
        import pypdf
    except ImportError:
        return "?"
    return str(len(pypdf.PdfReader(str(path)).pages))


if __name__ == "__main__":
    main()
