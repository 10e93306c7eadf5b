"""The fair-lending report (docs/fairness.md, "The report"): HTML, PDF, Markdown or JSON, built
from the shared blocks and page (the same bytes for the same analysis; an HTML report fetches
nothing).

The designated attributes the model uses come first, then the groups' figures and the
breaches, the reasons declined applicants were given, by group, the calibration and the error
rates where outcomes are known, the proxy screening and the less discriminatory alternatives.
"""

from __future__ import annotations

from pathlib import Path

from govern import presentation as b
from govern.fairness.analysis import FairnessReport

__all__ = ["document", "write"]

#: The shared page, with no blocks of its own (templates/layout.html.j2).
TEMPLATE = "layout"
#: Proxies shown in the report (the JSON holds every pair).
PROXIES_SHOWN = 15


def _f(value: float | int | None, digits: int = 3) -> str | None:
    if value is None:
        return None
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _interval(low: float | None, high: float | None) -> str | None:
    return None if low is None or high is None else f"{low:.3f} - {high:.3f}"


def uses_lines(report: FairnessReport) -> list[str]:
    """One line per designated attribute the model uses as a feature."""
    return [
        f"this model uses {name}, an attribute the bank designates for fair-lending analysis"
        for name in report.uses_designated
    ]


def document(report: FairnessReport, template_dir: Path | None = None) -> b.Document:
    r = report
    rule = r.rule
    summary = [
        b.fields(
            [
                ("Model", r.model, f"entry {r.model_entry[:16]}..."),
                ("Rows", f"{r.rows:,} ({r.source})", f"sha256 {r.source_sha256}"),
                ("Left out", f"{r.erased:,} whose input was erased", None)
                if r.source == "replay"
                else ("Outcomes", "known" if r.outcomes_known else "not in the data", None),
                (
                    "Thresholds",
                    f"adverse impact ratio at least {rule.air_min:g}; |standardized mean "
                    f"difference| at most {rule.smd_max:g}; at least {rule.min_rows} rows a group",
                    "the policy's [fairness] section",
                ),
                ("Result", "PASS" if r.passed else "FAIL", f"{len(r.breaches)} breaches"),
            ]
        ),
        b.table(
            [
                "Attribute",
                "Group",
                "Rows",
                "Approval rate",
                "Adverse impact ratio",
                "95 % interval",
                "SMD of scores",
                "Status",
            ],
            [
                [
                    g.attribute,
                    g.group,
                    _f(g.count),
                    _f(g.approval_rate),
                    _f(g.air),
                    "" if g.status == "reference" else _interval(g.air_low, g.air_high),
                    _f(g.smd),
                    g.status,
                ]
                for g in r.groups
            ],
            title="Groups",
            source="approved: a decision that is not adverse; ratio and difference against "
            "each attribute's reference group",
        ),
        *[b.note(line) for line in (*r.unmeasured, *r.notes)],
    ]
    errors: list[b.Block] = []
    if r.outcomes_known:
        errors = [
            b.table(
                ["Attribute", "Group", "False positive rate", "False negative rate"],
                [[g.attribute, g.group, _f(g.fpr), _f(g.fnr)] for g in r.groups],
                title="Error rates",
                source="a false positive: an approved applicant whose outcome was not "
                "favourable; a false negative: a declined applicant whose outcome was",
            ),
            b.table(
                ["Attribute", "Group", "Outcomes", "Mean score", "Observed rate", "95 % interval"],
                [
                    [
                        c.attribute,
                        c.group,
                        _f(c.outcomes),
                        _f(c.predicted),
                        _f(c.observed),
                        _interval(c.low, c.high),
                    ]
                    for c in r.calibration
                ],
                title="Calibration by group",
                source="the observed rate of the positive label, its Wilson 95 % interval",
            ),
        ]
    else:
        errors = [b.missing("outcomes for these rows", "error rates and calibration need them")]
    reasons = (
        [
            b.table(
                ["Attribute", "Group", "Declined", "Reason", "Share"],
                [[x.attribute, x.group, _f(x.declined), x.reason, _f(x.share)] for x in r.reasons],
                title="Principal reasons of declined applicants",
                source="the share of a group's declined applicants given each reason among "
                "their (at most four) principal reasons",
            )
        ]
        if r.reasons
        else [b.missing("principal reasons by group", "no declined applicant, or not asked for")]
    )
    proxies = [
        b.table(
            ["Feature", "Attribute", "AUC", "Group", "Mutual information (bits)"],
            [
                [p.feature, p.attribute, _f(p.auc), p.group, _f(p.mutual_information, 4)]
                for p in r.proxies[:PROXIES_SHOWN]
            ],
            title="Proxy screening, the strongest first",
            source="how well each feature alone tells a group from the rest; the JSON report "
            "holds every pair",
        )
    ]
    alternatives = (
        [
            b.table(
                ["Version", "Relation", "ROC AUC", "Approval rate", "Lowest adverse impact ratio"],
                [
                    [a.model, a.relation, _f(a.roc_auc), _f(a.approval_rate), _f(a.lowest_air)]
                    for a in r.alternatives
                ],
                title="Less discriminatory alternatives",
                source="each version scored on the same rows and decided by its own policy",
            )
        ]
        if r.alternatives
        else [b.missing("alternatives", "not asked for")]
    )
    sections = [
        b.section(1, "groups", "Groups", [], summary),
        b.section(2, "outcomes", "Error rates and calibration", [], errors),
        b.section(3, "reasons", "Reasons by group", [], reasons),
        b.section(4, "proxies", "Proxies", [], proxies),
        b.section(5, "alternatives", "Alternatives", [], alternatives),
    ]
    preface = []
    if r.uses_designated:
        preface.append(b.alert(uses_lines(r), heading="DESIGNATED ATTRIBUTES USED"))
    if r.breaches:
        preface.append(b.alert(list(r.breaches), heading="FAIR-LENDING THRESHOLDS BREACHED"))
    return b.Document(
        TEMPLATE,
        r.to_json(),
        template_dir,
        title=f"Fair-lending analysis of {r.model}",
        subtitle=f"{r.rows:,} rows ({r.source}): {'PASS' if r.passed else 'FAIL'}",
        preface=preface,
        sections=sections,
        footer="govern fair-lending report (docs/fairness.md)",
    )


def write(report: FairnessReport, path: Path, template_dir: Path | None = None) -> Path:
    """Write the report; the format comes from the suffix (.html, .pdf, .md, .json)."""
    return document(report, template_dir).write(Path(path))
