"""The provenance of one decision as text, JSON, HTML or PDF.

Every section names the requirement it answers (identifiers as in shared/REGULATIONS.md); every
value comes from the ledger, the input store or the stored artifact, and evidence that is not
there is said to be "not recorded". Warnings (a version not approved at the time, an erased
input, an unverified entry) come first, in capitals where they matter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from govern.errors import BadInput
from govern.provenance.lookup import NOT_RECORDED, Provenance

__all__ = ["FORMATS", "REQUIREMENTS", "render", "render_html", "render_text", "to_json", "write"]

Format = Literal["text", "json", "html", "pdf"]
FORMATS: tuple[Format, ...] = ("text", "json", "html", "pdf")
TEMPLATE = "provenance.html.j2"

REQUIREMENTS = {
    "decision": "EU AI Act Art. 12 (automatic logging) and Art. 86 (explanation of an "
    "individual decision); GDPR Art. 22(3)",
    "model": "SR 11-7 VI (model inventory, approvals); SR 26-2 governance; EU AI Act Annex IV "
    "1 (version)",
    "code": "SR 11-7 IV (implementation); EU AI Act Annex IV 2 (development, versions)",
    "data": "Reg B 12 CFR 1002.12(b) (the information used to evaluate the application); "
    "EU AI Act Annex IV 2(d) (data provenance)",
    "output": "Reg B 12 CFR 1002.9; EU AI Act Art. 14(4)(d) (human override); SR 11-7 IV "
    "(overrides)",
    "explanation": "Reg B 12 CFR 1002.9(b)(2) (specific principal reasons, at most four); CFPB "
    "Circulars 2022-03 and 2023-03; EU AI Act Art. 86; GDPR Art. 15(1)(h)",
    "rescore": "SR 11-7 V (process verification, replication); SR 26-2 ongoing monitoring",
    "retention": "Reg B 12 CFR 1002.12(b); EU AI Act Art. 19(1) and 26(6)",
    "integrity": "EU AI Act Art. 12 (logs); SR 11-7 VI (controls); RFC 9162, C2SP tlog-checkpoint",
}


def to_json(prov: Provenance) -> str:
    """Sorted keys, two-space indent, a final newline."""
    return json.dumps(prov.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _v(value: Any) -> str:
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _section(lines: list[str], title: str, key: str) -> None:
    lines += ["", title, "=" * len(title), f"(answers: {REQUIREMENTS[key]})"]


def _kv(lines: list[str], pairs: list[tuple[str, Any]]) -> None:
    width = max(len(k) for k, _ in pairs)
    lines += [f"{k.ljust(width)}  {_v(v)}" for k, v in pairs]


def render_text(prov: Provenance) -> str:
    """The provenance for people, as plain text."""
    d, m, c, o = prov.decision, prov.model, prov.code, prov.output
    lines = [
        f"Provenance of decision {prov.id}",
        f"log {prov.origin}; {prov.generator}; generated {prov.generated_at}",
    ]
    if prov.warnings:
        bar = "!" * 78
        lines += ["", bar]
        lines += [f"WARNING: {w}" for w in prov.warnings]
        lines += [bar]
    if prov.problems:
        lines += ["", "CHECKS FAILED:"] + [f"  - {p}" for p in prov.problems]

    _section(lines, "Decision", "decision")
    _kv(
        lines,
        [
            ("id", d.id),
            ("time (UTC)", d.time),
            ("ledger entry", d.entry),
            ("logged by", d.logged_by),
            ("subject key", d.subject_key),
            ("product", d.product),
            ("decision type", d.decision_type),
            ("call", d.method),
        ],
    )

    _section(lines, "Model", "model")
    artifact = f"{m.artifact_sha256} ({m.artifact_format})"
    _kv(
        lines,
        [
            ("version", m.ref),
            ("artifact sha256", artifact),
            ("ledger entry", f"{m.entry}, hash {m.entry_hash}"),
            ("entry named by the prediction", "matches" if m.entry_matches else "DIFFERS"),
            ("registered", m.registered_at),
            ("owner", m.owner),
            ("risk tier", m.tier),
            ("intended use", m.intended_use),
            ("model card", m.card),
            ("status at the decision", m.status.upper() if not m.approved else m.status),
            ("approved then", m.approved),
            ("sign-offs required", ", ".join(m.required_roles)),
            ("scoring override", m.scoring_override["reason"] if m.scoring_override else "none"),
        ],
    )
    lines.append("sign-offs as of the decision:")
    if m.signoffs:
        lines += [
            f"  - {s.role}: {s.decision} by {s.signer} on {s.signed_at} (entry {s.entry}), "
            f"expires {s.expires}{', conditions: ' + s.conditions if s.conditions else ''}"
            f"{'' if s.in_force else ' [not in force]'}"
            for s in m.signoffs
        ]
    else:
        lines.append("  - none")
    lines.append("deployments in force at the decision:")
    if m.deployments:
        lines += [
            f"  - {x.env} since {x.since} by {x.by} (entry {x.entry})"
            f"{' under a signed override: ' + (x.justification or '') if x.override else ''}"
            for x in m.deployments
        ]
    else:
        lines.append("  - none")
    if m.open_findings:
        lines.append("open findings then:")
        lines += [f"  - {f}" for f in m.open_findings]

    _section(lines, "Code and environment", "code")
    _kv(
        lines,
        [
            ("commit", c.commit),
            ("repository", c.repository),
            ("branch", c.branch),
            ("path", c.path),
            ("dirty work tree", c.dirty),
            ("threshold", f"{c.threshold} (from {c.threshold_source})"),
            ("positive label", c.positive_label),
        ],
    )
    lines.append(
        "environment: " + (", ".join(f"{k} {v}" for k, v in c.environment.items()) or NOT_RECORDED)
    )

    _section(lines, "Data", "data")
    for what, refs in (("training", prov.data.training), ("validation", prov.data.validation)):
        lines.append(f"{what} data:")
        lines += [f"  - {r.name}@{r.version} sha256 {r.sha256}" for r in refs] or ["  - none"]
    i = prov.data.input
    lines.append(f"input commitment: {i.commitment}")
    if i.state == "erased":
        lines.append(
            f"input: ERASED on {i.erased_at} by {i.erased_by} (entry {i.erased_entry}); "
            f"reason: {i.erasure_reason}"
        )
    elif i.state == "missing":
        lines.append("input: MISSING from the input store (no erasure is logged)")
    else:
        verdict = "matches its commitment" if i.matches else "DOES NOT MATCH its commitment"
        lines.append(f"input as scored ({verdict}):")
        lines += [f"  {k} = {_v(v)}" for k, v in (i.values or {}).items()]

    _section(lines, "Output", "output")
    _kv(
        lines,
        [("score", o.score), ("threshold", o.threshold), ("decision", o.decision)]
        + ([("estimator label", o.label)] if o.label is not None else [])
        + [("final decision", o.final_decision)],
    )
    if o.overrides:
        lines.append("human overrides:")
        lines += [
            f"  - {x.time}: {x.reviewer} decided {x.decision} (entry {x.entry}): {x.reason}"
            for x in o.overrides
        ]
    else:
        lines.append("human overrides: none recorded")

    e = prov.explanation
    _section(lines, "Explanation", "explanation")
    if e.state != "explained":
        lines.append(f"not available: {e.detail}")
    else:
        _kv(
            lines,
            [
                ("method", e.method_name),
                ("output space", e.output_space),
                ("base value", f"{e.base_value:.6g}"),
                ("model output", f"{e.model_output:.6g}"),
                (
                    "additivity",
                    f"max |base + contributions - output| = "
                    f"{e.additivity.get('max_abs_error', 0):.2e}, tolerance "
                    f"{e.additivity.get('tolerance', 0):g}: "
                    f"{'passed' if e.additivity.get('passed') else 'FAILED'}",
                ),
                ("adverse outcome", e.adverse),
                (
                    "reason-code table",
                    f"{e.reason_table.get('version')} "
                    f"(sha256 {e.reason_table.get('digest')}, {e.reason_table.get('source')})",
                ),
            ],
        )
        lines.append("principal reasons (Reg B: at most four), toward the adverse outcome:")
        if e.reasons:
            for r in e.reasons:
                shown = ", ".join(
                    f"{f} = {v}" for f, v in zip(r["features"], r["values"], strict=True)
                )
                lines.append(
                    f"  {r['rank']}. {r['statement']} [{r['code']}; {shown}; "
                    f"{r['contribution']:+.4g} toward the {r['direction']} outcome]"
                )
        else:
            lines.append("  none: no feature pushed this decision toward the adverse outcome")
        lines.append("contributions:")
        lines += [f"  {x.feature} = {x.value}: {x.contribution:+.6f}" for x in e.contributions]
        lines.append("settings: " + ", ".join(f"{k}={v}" for k, v in e.settings.items()))

    rs = prov.rescore
    _section(lines, "Re-scoring", "rescore")
    lines.append(f"{rs.state.upper() if rs.state == 'different' else rs.state}: {rs.detail}")

    t = prov.retention
    _section(lines, "Retention", "retention")
    _kv(
        lines,
        [
            ("keep the record until", t.keep_until),
            ("Reg B (25 months)", t.reg_b_until),
            ("EU AI Act logs (6 months)", t.eu_ai_act_until),
            ("basis", t.basis),
        ],
    )

    g = prov.integrity
    _section(lines, "Integrity", "integrity")
    _kv(
        lines,
        [
            ("entry", g.entry),
            ("entry hash (leaf)", g.entry_hash),
            ("bytes hash to it", g.leaf_ok),
            ("tree size", g.tree_size),
            ("root (base64)", g.root),
            (
                "checkpoint",
                "signed for this look-up"
                if g.checkpoint_signed_now
                else ("latest kept" if g.checkpoint else NOT_RECORDED),
            ),
            ("verified", g.verified),
        ],
    )
    lines.append(f"result: {g.detail}")
    if g.proof:
        lines.append("inclusion proof (leaf's sibling first):")
        lines += [f"  {h}" for h in g.proof]
    if g.checkpoint:
        lines.append("signed checkpoint:")
        lines += [f"  {x}" for x in g.checkpoint.rstrip("\n").split("\n")]
    return "\n".join(lines) + "\n"


def render_html(prov: Provenance, template_dir: Path | None = None) -> str:
    """The provenance as an HTML document (templates/provenance.html.j2)."""
    from govern.presentation import render_template as render

    context = {"p": prov, "req": REQUIREMENTS, "not_recorded": NOT_RECORDED, "v": _v}
    return render(TEMPLATE, context, template_dir)


def render(prov: Provenance, fmt: str) -> str:
    """The provenance in a text format: text, json or html."""
    if fmt == "text":
        return render_text(prov)
    if fmt == "json":
        return to_json(prov)
    if fmt == "html":
        return render_html(prov)
    raise BadInput(f"{fmt!r} is not a text format: use text, json or html (pdf needs a file)")


def write(prov: Provenance, path: Path, fmt: str) -> Path:
    """Write the provenance to ``path`` in ``fmt`` (pdf through weasyprint)."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = Path(path)
    if fmt == "pdf":
        from govern.presentation import html_to_pdf

        html_to_pdf(render_html(prov), path)
    else:
        path.write_text(render(prov, fmt), encoding="utf-8")
    return path
