"""`govern compare`: a candidate against the live version it would replace
(docs/comparison.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from govern.cli.app import DbOption, app, console
from govern.cli.outputs import check_folder, check_output
from govern.cli.registry_cmds import ArtifactsOption, _dump, _table, data_frame, registry
from govern.errors import BadInput


@app.command()
def compare(
    ctx: typer.Context,
    candidate: str = typer.Argument(..., metavar="CANDIDATE@V"),
    live: str = typer.Argument(..., metavar="LIVE@V"),
    data: str | None = typer.Option(None, "--data", help="A dataset version NAME@V or a file."),
    replay: bool = typer.Option(False, "--replay", help="Replay the live version's logged inputs."),
    start: str | None = typer.Option(None, "--from", help="With --replay: the first day."),
    end: str | None = typer.Option(None, "--to", help="With --replay: the day after the last."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="A folder for summary.json, summary.md, rows.csv, report.html."
    ),
    record: bool = typer.Option(
        False, "--record", help="Record the result as a signed comparison.result entry."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    force: bool = typer.Option(False, "--force", help="Replace the files -o's folder holds."),
    artifacts: Path | None = ArtifactsOption,
    db: str | None = DbOption,
) -> None:
    """Score the same rows with both versions and print, per check, both figures and pass or
    fail; the gate passes only if every check the policy requires passed."""
    from govern.compare import compare as run
    from govern.compare import output as out
    from govern.registry.dates import parse_date

    if output is not None:
        check_folder(output)
        for written in ("summary.json", "summary.md", "rows.csv", "report.html"):
            check_output(output / written, force=force)
    if (start or end) and not replay:
        raise BadInput("--from and --to choose the period of a --replay")
    with registry(ctx, db, artifacts=artifacts, readonly=not record) as reg:
        frame, name = data_frame(reg, data) if data is not None else (None, None)
        result = run(
            reg,
            candidate,
            live,
            data=frame,
            data_name=name,
            replay=replay,
            start=parse_date(start) if start else None,
            end=parse_date(end) if end else None,
        )
        entry = out.record(reg, result) if record else None
    if output is not None:
        out.write(result, output)
    if as_json:
        _dump(result.to_json())
        return
    _table(
        f"{result.candidate} against {result.live}: {'PASS' if result.passed else 'FAIL'}",
        ["check", "candidate", "live", "threshold", "status"],
        [
            [
                k.check,
                "not measured" if k.candidate is None else f"{k.candidate:.4f}",
                "" if k.live is None else f"{k.live:.4f}",
                "" if k.threshold is None else f"{k.threshold:g}",
                k.status,
            ]
            for k in result.checks
        ],
    )
    console.print(
        f"{result.rows:,} rows ({result.source}; {result.erased:,} with erased inputs left out)"
    )
    if entry is not None:
        console.print(f"recorded as entry {entry.seq}")
    if output is not None:
        console.print(f"files written to {output}")
