"""Outcomes and monitoring commands: `govern outcomes add`, `govern monitor`
(docs/monitoring.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from govern.cli.app import DbOption, app, console
from govern.cli.outputs import ForceOption, check_output
from govern.cli.registry_cmds import ArtifactsOption, _dump, _table, data_frame, registry

outcomes_app = typer.Typer(help="Realised outcomes of logged decisions.", no_args_is_help=True)
app.add_typer(outcomes_app, name="outcomes")

REPORT_SUFFIXES = (".html", ".htm", ".pdf", ".md", ".json")


@outcomes_app.command("add")
def outcomes_add(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A CSV or Parquet file of outcomes."),
    id_col: str = typer.Option(..., "--id-col", help="The column of prediction ids."),
    outcome_col: str = typer.Option(..., "--outcome-col", help="The column of outcomes."),
    observed_at_col: str | None = typer.Option(
        None, "--observed-at-col", help="The column of when each outcome was observed."
    ),
    db: str | None = DbOption,
) -> None:
    """Record realised outcomes joined to logged predictions by id (all rows or none)."""
    with registry(ctx, db) as reg:
        done = reg.outcomes(
            path, id_col=id_col, outcome_col=outcome_col, observed_at_col=observed_at_col
        )
    console.print(
        f"{done.rows:,} outcomes recorded for {', '.join(done.models)} in "
        f"{len(done.entries)} entries ({done.corrections:,} corrections of earlier outcomes)"
    )


@app.command()
def monitor(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The model version, NAME@V."),
    start: str | None = typer.Option(None, "--from", help="First day of the period."),
    end: str | None = typer.Option(None, "--to", help="The day after the period (default now)."),
    data: str | None = typer.Option(
        None, "--data", help="Monitor a dataset version NAME@V or a file instead of production."
    ),
    window: str = typer.Option("month", "--window", help="month or week."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write the report (.html, .pdf, .md or .json)."
    ),
    record: bool = typer.Option(
        False, "--record", help="Record the results as a signed monitoring.result entry."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    force: bool = ForceOption,
    artifacts: Path | None = ArtifactsOption,
    db: str | None = DbOption,
) -> None:
    """Monitor a model version: input and score drift, decisions and, where outcomes were
    recorded, back-testing; judged by the tier's thresholds."""
    from govern.monitor import monitor as run
    from govern.monitor.record import record as record_result
    from govern.registry.dates import parse_date

    check_output(output, force=force, suffixes=REPORT_SUFFIXES)
    with registry(ctx, db, artifacts=artifacts, readonly=not record) as reg:
        frame, name = data_frame(reg, data) if data is not None else (None, None)
        report = run(
            reg,
            ref,
            start=parse_date(start) if start else None,
            end=parse_date(end) if end else None,
            data=frame,
            data_name=name,
            window=window,
        )
        done = record_result(reg, report) if record else None
    if output is not None:
        from govern.monitor.report import write

        write(report, output)
    if as_json:
        _dump(report.to_json())
        return
    from govern.monitor.lending import thresholds

    _table(
        f"monitoring {report.model}: {report.status}",
        ["metric", "on", "value", "amber", "red", "status"],
        [[c.metric, c.on, f"{c.value:.4f}", *thresholds(c), c.status] for c in report.checks],
    )
    console.print(
        f"{report.rows:,} decisions read ({report.erased:,} with erased inputs left out), "
        f"{report.outcomes.get('n') or 0:,} matured outcomes"
    )
    if done is not None:
        extra = "" if done.finding is None else f"; finding raised (entry {done.finding.seq})"
        console.print(f"recorded as entry {done.result.seq}{extra}")
    if output is not None:
        console.print(f"report written to {output}")
