"""The monitoring report (docs/monitoring.md, "The report"): HTML, PDF, Markdown or JSON, the
same bytes for the same run.

A summary table first (metric, value, thresholds, status), then the PSI per feature as bars,
the score distribution against the development sample's, calibration by score band, and the
figures of each window.
"""

from __future__ import annotations

import functools
from pathlib import Path

from govern import presentation as b
from govern.monitor.lending import PERIOD, thresholds
from govern.monitor.run import MonitoringReport

__all__ = ["document", "write"]

TEMPLATE = "monitoring"


def _f(value: float | int | None, digits: int = 4) -> str | None:
    if value is None:
        return None
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _figures(report: MonitoringReport) -> dict[str, str]:
    from govern.monitor import plots

    return {
        "psi": plots.psi_bars(
            [d.name for d in report.features],
            [d.psi for d in report.features],
            report.rule["psi_amber"],
            report.rule["psi_red"],
        ),
        "score": plots.shares(
            list(report.score.labels) if report.score else [],
            list(report.score.baseline) if report.score else [],
            list(report.score.current) if report.score else [],
        ),
        "calibration": plots.bands(
            [x.predicted for x in report.bands],
            [x.observed for x in report.bands],
            [x.dev_predicted for x in report.bands],
            [x.dev_observed for x in report.bands],
        ),
    }


def document(report: MonitoringReport, template_dir: Path | None = None) -> b.Document:
    r = report
    checks = [
        [
            c.metric,
            c.on,
            _f(c.value),
            *thresholds(c),
            c.status.upper() if c.status != "green" else c.status,
        ]
        for c in sorted(r.checks, key=lambda c: ({"red": 0, "amber": 1}.get(c.status, 2), c.metric))
    ]
    summary = [
        b.fields(
            [
                ("Model", r.model, f"entry {r.model_entry[:16]}..."),
                ("Period", f"{r.start[:10]} to {r.end[:10]}", None),
                ("Read", f"{r.rows:,} decisions ({r.source})", f"sha256 {r.source_sha256}"),
                ("Left out", f"{r.erased:,} whose input was erased", None),
                ("Status", r.status.upper(), f"tier {r.tier} thresholds"),
            ]
        ),
        b.table(["Metric", "On", "Value", "Amber", "Red", "Status"], checks, title="Summary"),
    ]
    drift = [
        b.figure("psi", "PSI per feature against the training profile", None),
        b.table(
            ["Feature", "Kind", "PSI", "Second statistic", "Status"],
            [
                [d.name, d.kind, _f(d.psi), f"{d.second} {_f(d.second_value)}", d.status]
                for d in r.features
            ],
            title="Input drift",
        ),
        *[b.note(n) for n in r.notes[:1]],
    ]
    score = []
    if r.score is not None:
        score = [
            b.figure("score", "Score distribution: development sample and monitored", None),
            b.table(
                ["Score band", "Development share", "Monitored share"],
                [
                    [label, _f(base), _f(cur)]
                    for label, base, cur in zip(
                        r.score.labels, r.score.baseline, r.score.current, strict=True
                    )
                ],
                title=f"Score drift: PSI {_f(r.score.psi)} ({r.score.status})",
            ),
            b.note(r.notes[1]),
        ]
    o = r.outcomes
    dev = r.development
    outcomes = [
        b.note(r.notes[2]),
        b.table(
            ["Figure", "Development", "Matured cohorts"],
            [
                ["ROC AUC", _f(dev.get("roc_auc")), _f(o.get("roc_auc"))],
                ["Gini", _f(dev.get("gini")), _f(o.get("gini"))],
                ["KS", _f(dev.get("ks")), _f(o.get("ks"))],
                ["Brier", _f(dev.get("brier")), _f(o.get("brier"))],
                ["Outcomes", None, _f(o.get("n"))],
            ],
            title=f"Outcomes analysis (development sample {r.development_data})",
            source=f"immature cohorts shown apart: {o.get('immature', 0)} outcomes",
        ),
        b.figure("calibration", "Calibration by score band", None),
        b.table(
            [
                "Band",
                "Outcomes",
                "Predicted",
                "Observed",
                "95 % interval",
                "Dev predicted",
                "Dev observed",
            ],
            [
                [
                    x.band,
                    _f(x.count),
                    _f(x.predicted),
                    _f(x.observed),
                    None if x.low is None else f"{x.low:.3f} - {x.high:.3f}",
                    _f(x.dev_predicted),
                    _f(x.dev_observed),
                ]
                for x in r.bands
            ],
            title="Calibration by score band (matured cohorts)",
        ),
    ]
    windows = [
        b.table(
            [
                "Window",
                "Volume",
                "Erased",
                "Favourable rate",
                "Override rate",
                "Score PSI",
                "Outcomes",
                "Matured",
                "ROC AUC",
                "KS",
                "Brier",
            ],
            [
                [
                    w.window,
                    _f(w.volume),
                    _f(w.erased),
                    _f(w.favourable_rate),
                    _f(w.override_rate),
                    _f(w.score_psi),
                    _f(w.outcomes),
                    "yes" if w.matured else "no",
                    _f(w.roc_auc),
                    _f(w.ks),
                    _f(w.brier),
                ]
                for w in r.windows
            ],
            title=f"By {r.window_kind}",
        )
    ]
    lending = []
    if r.lending:
        lending = [
            b.table(
                [
                    "Attribute",
                    "Group",
                    "Window",
                    "Decisions",
                    "Approved",
                    "Approval rate",
                    "AIR",
                    "95 % interval",
                    "Measured",
                ],
                [
                    [
                        g.attribute,
                        g.group + (" (reference)" if g.reference else ""),
                        "whole period" if g.window == PERIOD else g.window,
                        _f(g.rows),
                        _f(g.approved),
                        _f(g.approval_rate),
                        _f(g.air),
                        None if g.low is None else f"{g.low:.3f} - {g.high:.3f}",
                        "yes" if g.measured else "too few rows",
                    ]
                    for g in r.lending
                ],
                title="Approval rate and adverse impact ratio by designated group",
            ),
            *[b.note(n) for n in r.lending_notes],
        ]
    sections = [
        b.section(1, "summary", "Summary", [], summary),
        b.section(2, "drift", "Input drift", [], drift),
        b.section(3, "score", "Score drift and decisions", [], score),
        b.section(4, "outcomes", "Outcomes analysis", [], outcomes),
        b.section(5, "windows", "Windows", [], windows),
    ]
    if lending:
        sections.append(b.section(6, "lending", "Fair lending over time", [], lending))
    preface = []
    if r.status != "green":
        breached = [c for c in r.checks if c.status != "green"]
        preface.append(
            b.alert(
                [f"{c.metric} of {c.on}: {c.value:.4f} ({c.status})" for c in breached],
                heading=f"MONITORING {r.status.upper()}",
            )
        )
    return b.Document(
        TEMPLATE,
        r.to_json(),
        template_dir,
        functools.partial(_figures, r),
        title=f"Monitoring of {r.model}",
        subtitle=f"{r.start[:10]} to {r.end[:10]}: {r.status}. Generated {r.generated_at[:19]}",
        preface=preface,
        sections=sections,
        footer="govern monitoring report (docs/monitoring.md)",
    )


def write(report: MonitoringReport, path: Path, template_dir: Path | None = None) -> Path:
    """Write the report; the format comes from the suffix (.html, .pdf, .md, .json)."""
    return document(report, template_dir).write(Path(path))
