"""Fair-lending commands: `govern fairness`, `govern groups add` (docs/fairness.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from govern.cli.app import DbOption, app, console
from govern.cli.outputs import ForceOption, check_output
from govern.cli.registry_cmds import ArtifactsOption, _dump, _table, data_frame, registry
from govern.errors import BadInput

groups_app = typer.Typer(
    help="Designated attributes held apart from the scoring data.", no_args_is_help=True
)
app.add_typer(groups_app, name="groups")

REPORT_SUFFIXES = (".html", ".htm", ".pdf", ".md", ".json")


@groups_app.command("add")
def groups_add(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A CSV or Parquet file of designated attributes."),
    id_col: str = typer.Option(..., "--id-col", help="The column of prediction ids."),
    attribute_cols: list[str] = typer.Option(
        ..., "--attribute-col", help="A designated attribute's column (repeat for several)."
    ),
    db: str | None = DbOption,
) -> None:
    """Store designated attributes joined to logged decisions by id, on the erasable side of
    the registry (never in the ledger; all rows or none)."""
    from govern.fairness import add_groups

    with registry(ctx, db) as reg:
        done = add_groups(reg, path, id_col=id_col, attribute_cols=attribute_cols)
    console.print(
        f"{done.values:,} values of {', '.join(done.attributes)} stored for {done.rows:,} "
        f"decisions ({done.replaced:,} replaced earlier ones); none is in the ledger"
    )


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


@app.command()
def fairness(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V", help="The model version, NAME@V."),
    data: str | None = typer.Option(None, "--data", help="A dataset version NAME@V or a file."),
    replay: bool = typer.Option(False, "--replay", help="Replay the version's logged decisions."),
    start: str | None = typer.Option(None, "--from", help="With --replay: the first day."),
    end: str | None = typer.Option(None, "--to", help="With --replay: the day after the last."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write the report (.html, .pdf, .md or .json)."
    ),
    record: bool = typer.Option(
        False, "--record", help="Record the result as a signed fairness.result entry."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    force: bool = ForceOption,
    artifacts: Path | None = ArtifactsOption,
    db: str | None = DbOption,
) -> None:
    """Analyse a version's decisions by the groups the policy designates: approval rates,
    adverse impact ratios, score differences, error rates, reasons, proxies, alternatives."""
    from govern.fairness import analyse
    from govern.fairness import record as record_result
    from govern.fairness.report import uses_lines
    from govern.registry.dates import parse_date

    check_output(output, force=force, suffixes=REPORT_SUFFIXES)
    if (start or end) and not replay:
        raise BadInput("--from and --to choose the period of a --replay")
    with registry(ctx, db, artifacts=artifacts, readonly=not record) as reg:
        frame, name = data_frame(reg, data) if data is not None else (None, None)
        report = analyse(
            reg,
            ref,
            data=frame,
            data_name=name,
            replay=replay,
            start=parse_date(start) if start else None,
            end=parse_date(end) if end else None,
        )
        done = record_result(reg, report) if record else None
    if output is not None:
        from govern.fairness.report import write

        write(report, output)
    if as_json:
        _dump(report.to_json())
        return
    for line in uses_lines(report):
        console.print(f"[bold red]{line}[/bold red]", markup=True)
    _table(
        f"fair lending of {report.model}: {'PASS' if report.passed else 'FAIL'}",
        ["attribute", "group", "rows", "approval", "AIR", "95 %", "SMD", "status"],
        [
            [
                g.attribute,
                g.group,
                f"{g.count:,}",
                _cell(g.approval_rate),
                _cell(g.air),
                "" if g.air_low is None else f"{g.air_low:.3f} - {g.air_high:.3f}",
                _cell(g.smd),
                g.status,
            ]
            for g in report.groups
        ],
    )
    for line in (*report.breaches, *report.unmeasured):
        console.print(line)
    console.print(f"{report.rows:,} rows ({report.source})")
    if done is not None:
        extra = "" if done.finding is None else f"; finding raised (entry {done.finding.seq})"
        console.print(f"recorded as entry {done.result.seq}{extra}")
    if output is not None:
        console.print(f"report written to {output}")
