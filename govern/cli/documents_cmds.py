"""Document commands: card, card narrative, report validation, report narrative, coverage,
release."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

if TYPE_CHECKING:
    from govern import presentation
    from govern.documents import narrative

from govern.cli.app import DbOption, DefaultCommandGroup, app, console
from govern.cli.ledger_cmds import _key_path
from govern.cli.outputs import ForceOption, check_output
from govern.cli.registry_cmds import ArtifactsOption, PackOption, registry
from govern.errors import BadInput

card_app = typer.Typer(
    cls=DefaultCommandGroup,
    no_args_is_help=True,
    help="Model cards: `govern card MODEL@V --format pdf -o card.pdf` renders one (a preview, "
    "not recorded); `govern card narrative MODEL@V FILE` records the sections people write.",
)
report_app = typer.Typer(no_args_is_help=True, help="The validation report and its narrative.")
app.add_typer(card_app, name="card")
app.add_typer(report_app, name="report")

FormatOption = typer.Option(
    None, "--format", "-f", help="html, pdf, md or json (default: from -o's suffix, else md)."
)
OutputOption = typer.Option(
    None, "-o", "--output", help="Write here (a PDF needs it); default: standard output."
)
TemplateDirOption = typer.Option(
    None, "--template-dir", help="Your templates; any file there replaces govern's own."
)


def _format(fmt: str | None, output: Path | None, force: bool) -> presentation.Format:
    """The output format and path, checked before any work is done: --format, else -o's suffix,
    else md; the path as docs/cli.md says (never overwritten without --force)."""
    from govern import presentation

    check_output(output, force=force)

    if fmt:
        chosen = presentation.check_format(fmt)
        if (
            output is not None
            and output.suffix.lower() in presentation.SUFFIXES
            and presentation.format_of(output) != chosen
        ):
            raise BadInput(
                f"--format {chosen} does not match the file name {output.name!r}",
                hint="drop --format (the suffix decides) or rename the file",
            )
    elif output is not None:
        chosen = presentation.format_of(output)
    else:
        chosen = "md"
    if chosen == "pdf" and output is None:
        raise BadInput("a PDF is written to a file", hint="give -o PATH (e.g. -o card.pdf)")
    return chosen


def _emit(doc: presentation.Document, chosen: presentation.Format, output: Path | None) -> None:
    if output is None:
        typer.echo(doc.text(chosen), nl=False)
        return
    doc.write(output, chosen)
    console.print(f"written: {output}")


@card_app.command("render")
def card_render(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    fmt: str | None = FormatOption,
    output: Path | None = OutputOption,
    force: bool = ForceOption,
    template_dir: Path | None = TemplateDirOption,
    db: str | None = DbOption,
    artifacts: Path | None = ArtifactsOption,
) -> None:
    """Render the model card of MODEL@V (the same as `govern card MODEL@V`)."""
    from govern.documents.card import build_card

    chosen = _format(fmt, output, force)
    with registry(ctx, db, artifacts, readonly=True) as reg:
        doc = build_card(reg, ref, template_dir=template_dir)
        _emit(doc, chosen, output)


@card_app.command("narrative")
def card_narrative(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    path: Path = typer.Argument(..., metavar="FILE", help="Markdown with '## Section' headings."),
    db: str | None = DbOption,
) -> None:
    """Record the card's narrative (purpose, limitations, assumptions, ...) for MODEL@V."""
    _record_narrative(ctx, ref, path, db, "card.narrative")


@report_app.command("validation")
def report_validation(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    fmt: str | None = FormatOption,
    output: Path | None = OutputOption,
    force: bool = ForceOption,
    template_dir: Path | None = TemplateDirOption,
    replicate: bool = typer.Option(
        True,
        "--replicate/--no-replicate",
        help="Recompute the registered metrics from the hash-verified artifact and data.",
    ),
    db: str | None = DbOption,
    artifacts: Path | None = ArtifactsOption,
) -> None:
    """Render the validation report of MODEL@V."""
    from govern.documents.validation import build_validation_report

    chosen = _format(fmt, output, force)
    with registry(ctx, db, artifacts, readonly=True) as reg:
        doc = build_validation_report(reg, ref, template_dir=template_dir, replicate=replicate)
        _emit(doc, chosen, output)


@report_app.command("narrative")
def report_narrative(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    path: Path = typer.Argument(..., metavar="FILE", help="Markdown with '## Section' headings."),
    db: str | None = DbOption,
) -> None:
    """Record the validator's narrative (conclusion, rating, effective challenge, ...)."""
    _record_narrative(ctx, ref, path, db, "validation.narrative")


def _record_narrative(
    ctx: typer.Context, ref: str, path: Path, db: str | None, kind: narrative.Kind
) -> None:
    from govern.documents import narrative

    with registry(ctx, db) as reg:
        entry = narrative.record(reg, ref, path, kind)
    recorded = narrative.RECORDS[kind].from_entry(entry)
    sections = ", ".join(narrative.title_of(k, kind) for k in recorded.sections)
    what = kind.replace(".", " ")
    console.print(
        f"{what} of {recorded.model} recorded in entry {entry.seq} "
        f"(sha256 {recorded.sha256[:16]}): {sections}"
    )


@app.command("coverage")
def coverage_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    packs: list[str] | None = PackOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    db: str | None = DbOption,
) -> None:
    """Which requirements of a regulation pack the ledger holds evidence for."""
    from govern.documents import coverage
    from govern.documents.evidence import gather

    with registry(ctx, db, readonly=True) as reg:
        facts = gather(reg, ref)
        results = [
            coverage.coverage(reg, ref, p, facts=facts) for p in (packs or coverage.DEFAULT_PACKS)
        ]
    if as_json:
        typer.echo(
            json.dumps([c.to_dict() for c in results], indent=2, ensure_ascii=False, sort_keys=True)
        )
        return
    for c in results:
        table = Table(title=f"{c.pack.title}: {c.model} (tier {c.tier})")
        for col in ("requirement", "mandatory", "state", "evidence / missing"):
            table.add_column(col, overflow="fold")
        for r in c.rows:
            colour = "green" if r.satisfied else ("red" if r.mandatory else "yellow")
            detail = (
                "; ".join(e.detail for e in r.evidence) if r.satisfied else "; ".join(r.missing)
            )
            table.add_row(
                r.requirement.cite,
                "yes" if r.mandatory else "no",
                f"[{colour}]{r.state}[/{colour}]",
                detail,
            )
        console.print(table)
        if c.complete:
            console.print(f"{c.pack.short}: [green]complete[/green] for tier {c.tier}")
        else:
            # One unwrapped line naming every gap, so a CI log or grep shows them whole.
            console.print(
                f"{c.pack.short}: [red]{len(c.missing_mandatory)} mandatory "
                f"requirement(s) missing[/red] for tier {c.tier}: "
                + "; ".join(r.requirement.cite for r in c.missing_mandatory)
            )


@app.command("release")
def release_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    output: Path = typer.Option(..., "-o", "--output", help="A new (or empty) directory."),
    packs: list[str] | None = PackOption,
    key: Path | None = typer.Option(None, "--key", envvar="GOVERN_LOG_KEY", help="Log key."),
    template_dir: Path | None = TemplateDirOption,
    db: str | None = DbOption,
    artifacts: Path | None = ArtifactsOption,
) -> None:
    """Verify, check approval, findings and coverage, then write the card, the validation report
    and a signed checkpoint to a directory and record their digests."""
    from govern.documents import coverage
    from govern.documents.release import release as release_version

    with registry(ctx, db, artifacts) as reg:
        done = release_version(
            reg,
            ref,
            output,
            key_path=_key_path(db, key),
            packs=packs or coverage.DEFAULT_PACKS,
            template_dir=template_dir,
        )
    if done.unchanged:
        console.print(
            f"{done.model} card {done.card_version} was released in entry {done.entry.seq} "
            "at this same ledger state: nothing new written or recorded; its files' digests:"
        )
        for f in done.files:
            typer.echo(f"{f.sha256}  {f.name}")
        return
    console.print(
        f"released {done.model}, card {done.card_version}: {len(done.files)} files in "
        f"{done.directory}; digests recorded in entry {done.entry.seq}, checkpoint at "
        f"size {done.checkpoint_size}"
    )
    for f in done.files:
        typer.echo(f"{f.sha256}  {f.name}")
