"""`govern explain` and `govern reasons`: SHAP explanations and reason-code tables."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from govern.cli.app import DbOption, app, console
from govern.cli.outputs import ForceOption, check_output
from govern.cli.progress import progress_bar
from govern.cli.registry_cmds import ArtifactsOption, registry

reasons_app = typer.Typer(
    help="Reason-code tables (Reg B adverse-action reasons).", no_args_is_help=True
)
app.add_typer(reasons_app, name="reasons")


@app.command()
def explain(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    data: str = typer.Option(..., "--data", help="NAME@V of a registered dataset, or a file."),
    row: str | None = typer.Option(None, "--row", help="Explain one decision: its row id."),
    id_col: str | None = typer.Option(None, "--id-col", help="The column holding row ids."),
    sample: int | None = typer.Option(None, "--sample", help="Explain N sampled rows."),
    background: str | None = typer.Option(
        None, "--background", help="Background NAME@V (default: the training data)."
    ),
    reasons: int = typer.Option(4, "--reasons", help="At most this many principal reasons."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write the report: .html, .pdf, .md or .json (recorded)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report's JSON."),
    force: bool = ForceOption,
    db: str | None = DbOption,
    artifacts: Path | None = ArtifactsOption,
) -> None:
    """Explain a registered model globally, or one decision with its reason codes."""
    check_output(output, force=force, suffixes=(".html", ".htm", ".pdf", ".md", ".json"))
    from govern.documents.explanation import explain_global, explain_row
    from govern.presentation import fmt

    with registry(ctx, db, artifacts) as reg:
        if row is None:
            with progress_bar("explaining rows", None, enabled=not as_json) as bar:
                _explanation, report, entry = explain_global(
                    reg,
                    ref,
                    data,
                    sample=sample,
                    background=background,
                    output=output,
                    progress=bar,
                    total=bar.total,
                )
        else:
            _decision, report, entry = explain_row(
                reg,
                ref,
                data,
                row,
                id_col=id_col,
                max_reasons=reasons,
                background=background,
                output=output,
            )
    if as_json:
        typer.echo(report.json(), nl=False)
        return
    doc = report.data
    fid = doc["fidelity"]
    if row is not None:  # the decision first, then how it is explained
        console.print(f"decision: {doc['decision']['statement']}", highlight=False)
    console.print(
        f"{doc['title']}: {doc['explanation'].get('method_name', '')}; fidelity: largest "
        f"|base + contributions - output| = {fmt(fid['max_abs_error'])} "
        f"({'within' if fid['passed'] else 'OUTSIDE'} {fmt(fid['tolerance'])}, "
        f"{fid['output_space']})"
    )
    if row is None:
        table = Table(title="global importance (mean |SHAP|)")
        table.add_column("rank")
        table.add_column("feature")
        table.add_column("mean |contribution|", justify="right")
        for item in doc["importance"][:15]:
            table.add_row(str(item["rank"]), item["feature"], fmt(item["mean_abs_contribution"]))
        console.print(table)
    else:
        d = doc["decision"]
        prob = f", probability {fmt(d['probability'])}" if d.get("probability") is not None else ""
        console.print(
            f"output {fmt(d['model_output'])} ({d['output_space']}{prob}) "
            f"for class {d['positive_class']}; adverse outcome: {d['adverse']}"
        )
        if d["favourable_decision"]:
            title, shown = (
                "main factors (toward the favourable outcome; not reasons for denial)",
                doc["factors"],
            )
        else:
            title, shown = "principal reasons (toward the adverse outcome)", doc["reasons"]
        table = Table(title=title)
        for col in ("#", "code", "statement", "values", "contribution"):
            table.add_column(col)
        for r in shown:
            table.add_row(
                str(r["rank"]),
                r["code"],
                r["statement"],
                ", ".join(r["values"]),
                fmt(r["contribution"], sign=True),
            )
        console.print(table)
    if output is not None and entry is not None:
        console.print(f"report written: {output} (sha256 recorded in entry {entry.seq})")


@reasons_app.command("add")
def reasons_add(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    path: Path = typer.Argument(..., help="A reason-code table (TOML, docs/reason-codes.md)."),
    db: str | None = DbOption,
) -> None:
    """Register a versioned reason-code table for a model."""
    from govern.explain.registered import register_reason_table
    from govern.records import ReasonTableRegistered

    with registry(ctx, db) as reg:
        entry = register_reason_table(reg, ref, path)
    table = ReasonTableRegistered.from_entry(entry)
    console.print(
        f"reason-code table {table.version} registered for {table.model} (entry {entry.seq})"
    )


@reasons_app.command("show")
def reasons_show(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    db: str | None = DbOption,
) -> None:
    """Print the reason-code table in force for a model (registered or derived)."""
    from govern.explain.registered import reason_table

    with registry(ctx, db, readonly=True) as reg:
        table = reason_table(reg, ref)
    typer.echo(
        json.dumps(
            {
                "model": table.model,
                "version": table.version,
                "digest": table.digest,
                "derived": table.derived,
                "rules": [r.__dict__ for r in table.rules],
                "groups": [g.__dict__ for g in table.groups],
            },
            indent=2,
            default=list,
        )
    )
