"""Prediction provenance: `govern score`, `provenance`, `receipt`, `erase` and `override`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from govern.cli.app import DbOption, DefaultCommandGroup, app, console, err_console
from govern.cli.outputs import ForceOption, check_output
from govern.cli.progress import halves, progress_bar
from govern.cli.registry_cmds import ArtifactsOption, registry
from govern.errors import BadInput

if TYPE_CHECKING:
    from govern.ledger.note import Signer


KeyOption = typer.Option(
    None,
    "--key",
    envvar="GOVERN_LOG_KEY",
    help="The log key, to sign a checkpoint when none covers the entry yet "
    "(default: registry.key beside a SQLite registry, if it exists).",
    show_default=False,
)


def _log_key(db: str | None, key: Path | None) -> Signer | None:
    """The log key given with --key, or the default one if it exists; None without one."""
    from govern.ledger import resolve_url
    from govern.ledger.db import sqlite_path
    from govern.ledger.logkey import default_key_path, load_key

    if key is not None:
        return load_key(key)
    path = default_key_path(sqlite_path(resolve_url(db)))
    return load_key(path) if path.is_file() else None


@app.command()
def score(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    file: Path = typer.Argument(
        ..., metavar="FILE", help="The applications to score: CSV or Parquet."
    ),
    id_col: str | None = typer.Option(
        None, "--id-col", help="The column of prediction ids (generated when absent)."
    ),
    subject_col: str | None = typer.Option(
        None, "--subject-col", help="A column of pseudonymous subject keys, recorded."
    ),
    product: str | None = typer.Option(
        None, "--product", help="The product or decision type, recorded (e.g. retail-loan)."
    ),
    override: str | None = typer.Option(
        None,
        "--override",
        help="Score with a version that is not deployed and approved, for this reason "
        "(recorded in every prediction).",
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write id, score, decision and entry per row (CSV)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
    resume: bool = typer.Option(
        False,
        "--resume",
        help="Rows whose id is logged already (same version, same input) are reported from the "
        "ledger, not scored again (after an interrupted run).",
    ),
    chunk_rows: int = typer.Option(
        100_000, "--chunk-rows", min=1, help="Commit this many rows per transaction."
    ),
    force: bool = ForceOption,
    db: str | None = DbOption,
    artifacts: Path | None = ArtifactsOption,
) -> None:
    """Score a file with a registered model, logging every prediction in the ledger."""
    from govern.provenance import read_scoring_file, score_input

    # checked before anything is scored or logged: a bad -o after the commit would leave the
    # predictions logged and the file unwritten (and a re-run refused as duplicate ids)
    check_output(output, force=force, suffixes=(".csv",), inputs=(file,))

    data = read_scoring_file(file, id_col=id_col, subject_col=subject_col)
    bar = progress_bar("rows scored and logged", len(data), enabled=not as_json)
    with registry(ctx, db, artifacts) as reg, bar as step:
        batch = score_input(
            reg,
            ref,
            data,
            override=override,
            product=product,
            progress=halves(step),
            resume=resume,
            chunk_rows=chunk_rows,
        )
    if output is not None:
        batch.write_csv(output)
    counts = dict(sorted(Counter(d for d in batch.decisions if d is not None).items()))
    resumed = batch.resumed or (False,) * len(batch)
    fresh = [seq for seq, old in zip(batch.seqs, resumed, strict=True) if not old]
    first, last = (min(fresh), max(fresh)) if fresh else (None, None)
    summary = {
        "model": batch.model,
        "predictions": len(batch),
        "logged_now": len(fresh),
        "reported_from_the_ledger": batch.reported,
        "first_entry": first,
        "last_entry": last,
        "ts": batch.ts,
        "decisions": counts,
        "override": None if batch.override is None else batch.override.to_json(),
        "output": None if output is None else str(output),
        "outside_training": batch.flagged,
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    shown = ", ".join(f"{k} {v}" for k, v in counts.items())
    if fresh:
        console.print(
            f"{len(fresh)} predictions by {batch.model} logged as entries {first} to "
            f"{last} ({batch.ts})" + (f"; decisions: {shown}" if shown else "")
        )
    if batch.reported:
        console.print(
            f"{batch.reported} predictions were logged before (same version, same input) and "
            "are reported from the ledger, not scored again"
            + ("" if fresh else f"; decisions: {shown}")
        )
    if batch.flagged:
        example = next(w for w in batch.warnings if w)
        err_console.print(
            f"[yellow]warning:[/] {batch.flagged} of {len(batch)} predictions had an input "
            "outside the training data (scored all the same; "
            + ("see the warnings column of the output" if output else "write them with -o")
            + f"); the first: {example}",
            markup=True,
        )
    if batch.override is not None:
        err_console.print(
            f"[bold red]warning:[/] {batch.model} is {batch.override.status}, not deployed "
            f"and approved; every prediction records the override: {batch.override.reason}",
            markup=True,
        )
    if output is not None:
        console.print(f"written: {output}")


@app.command("provenance")
def provenance_cmd(
    ctx: typer.Context,
    prediction_id: str = typer.Argument(..., metavar="ID", help="The prediction's id."),
    fmt: str = typer.Option("text", "--format", help="text, json, html or pdf."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write it to this file."),
    force: bool = ForceOption,
    explain: bool = typer.Option(
        True, "--explain/--no-explain", help="Include the SHAP explanation and reasons."
    ),
    key: Path | None = KeyOption,
    db: str | None = DbOption,
    artifacts: Path | None = ArtifactsOption,
) -> None:
    """Everything about one decision, each part checked; exit 42 if a check fails."""
    from govern.provenance import provenance
    from govern.provenance.report import FORMATS, render, write

    if fmt not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "pdf" and output is None:
        raise BadInput("a PDF needs a file: add -o FILE.pdf")
    check_output(output, force=force)
    signer = _log_key(db, key)
    with registry(ctx, db, artifacts, readonly=signer is None) as reg:
        prov = provenance(reg, prediction_id, key=signer, explain=explain)
    if output is None:
        typer.echo(render(prov, fmt), nl=False)
    else:
        write(prov, output, fmt)
        console.print(f"written: {output}")
        # the file carries them first; whoever ran the command sees them too
        for warning in prov.warnings:
            err_console.print(f"[bold red]WARNING:[/] {warning}", markup=True)
    prov.check()


class _ReceiptGroup(DefaultCommandGroup):
    """`govern receipt ID ...` (as before) is `govern receipt get ID ...`."""

    default = "get"


receipt_app = typer.Typer(
    cls=_ReceiptGroup,
    help="Offline receipts: write one for a decision (`govern receipt ID`), verify one, or "
    "write the standalone verifier.",
    no_args_is_help=True,
)
app.add_typer(receipt_app, name="receipt")


@receipt_app.command("get")
def receipt_cmd(
    ctx: typer.Context,
    prediction_id: str = typer.Argument(..., metavar="ID", help="The prediction's id."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write the receipt here (default: print it)."
    ),
    force: bool = ForceOption,
    key: Path | None = KeyOption,
    db: str | None = DbOption,
) -> None:
    """One prediction's entry, inclusion proof and signed checkpoint, in one file (C2SP
    tlog-proof) that verifies offline (docs/receipts.md). `govern receipt ID` is short for it."""
    from govern.provenance import receipt

    check_output(output, force=force)
    signer = _log_key(db, key)
    with registry(ctx, db, readonly=signer is None) as reg:
        text = receipt(reg, prediction_id, key=signer)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"receipt written: {output}")


@receipt_app.command("verify")
def receipt_verify(
    path: Path = typer.Argument(..., metavar="FILE", help="The receipt."),
    verifier_key: str = typer.Option(
        ...,
        "--key",
        help="The log's verifier key (the text, or a file holding it), from where you keep it, "
        "never from the receipt's sender.",
    ),
    prediction_id: str | None = typer.Option(
        None, "--id", help="The decision the receipt must be for (another's is refused)."
    ),
) -> None:
    """Verify a receipt offline, with the log's verifier key alone (exit 20 if it does not)."""
    import json

    from govern.errors import ProofInvalid
    from govern.provenance import verify_receipt as standalone

    key_file = Path(verifier_key)
    vkey = key_file.read_text(encoding="utf-8").strip() if key_file.is_file() else verifier_key
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(
            f"cannot read the receipt {path}: {exc.strerror}", hint="check the file's path"
        ) from None
    try:
        entry = standalone.verify(data, vkey.strip(), prediction_id)
    except standalone.Failed as exc:
        raise ProofInvalid(
            f"the receipt {path.name} does not verify: {exc}",
            hint="check that the key is this log's verifier key; a changed receipt never verifies",
        ) from None
    payload = entry["payload"] if isinstance(entry["payload"], dict) else {}
    console.print(
        f"verified: entry {entry['seq']} ({entry['kind']}, {payload.get('subject')}) is in log "
        f"{entry['log']} at tree size {entry['size']}, signed by its key"
    )
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))


@receipt_app.command("verifier")
def receipt_verifier(
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the script."),
    force: bool = ForceOption,
) -> None:
    """Write the standalone receipt verifier (Python and `cryptography` only, no govern) for
    anyone who must check a receipt without govern."""
    from importlib import resources

    check_output(output, force=force)
    source = resources.files("govern.provenance").joinpath("verify_receipt.py").read_bytes()
    output.write_bytes(source)
    console.print(
        f"standalone verifier written: {output} (run: python {output.name} RECEIPT "
        "VERIFIER_KEY [PREDICTION_ID])"
    )


@app.command("erase")
def erase_cmd(
    ctx: typer.Context,
    prediction_id: str = typer.Argument(..., metavar="ID", help="The prediction's id."),
    reason: str = typer.Option(..., "--reason", help="The lawful request this answers."),
    retention_override: str | None = typer.Option(
        None,
        "--retention-override",
        help="Within the retention period: why it may go now (a privacy officer signs it).",
    ),
    db: str | None = DbOption,
) -> None:
    """Delete a prediction's stored input and salt, and log the erasure."""
    from govern.provenance import erase

    with registry(ctx, db) as reg:
        done = erase(reg, prediction_id, reason=reason, retention_override=retention_override)
    console.print(
        f"input of {done.prediction_id} erased; entry {done.entry.seq} logs it; the ledger "
        f"keeps the commitment (entry {done.prediction_entry})"
    )
    if done.groups_erased:
        console.print(
            f"{done.groups_erased} designated-attribute value(s) stored for it by "
            "`govern groups add` erased with it"
        )
    for report in done.reports:
        console.print(f"also destroy: {report} (govern wrote it; it holds the input)")
    for place in done.beyond:
        console.print(f"beyond govern's reach, check too: {place}")
    if done.within_retention:
        err_console.print(
            f"[yellow]note:[/] erased within the retention period (keep until "
            f"{done.keep_until}) on a privacy officer's override; the erasure entry records it",
            markup=True,
        )
    for note in done.residue:
        err_console.print(f"[yellow]note:[/] {note}", markup=True)


@app.command("override")
def override_cmd(
    ctx: typer.Context,
    prediction_id: str = typer.Argument(..., metavar="ID", help="The prediction's id."),
    decision: str = typer.Option(..., "--decision", help="The decision the reviewer took."),
    reason: str = typer.Option(..., "--reason", help="Why the reviewer departed from it."),
    db: str | None = DbOption,
) -> None:
    """Record a reviewer's override of a logged decision (the prediction is not changed)."""
    from govern.provenance import record_override
    from govern.records import PredictionOverridden

    with registry(ctx, db) as reg:
        entry = record_override(reg, prediction_id, decision=decision, reason=reason)
    console.print(
        f"override of {prediction_id} recorded: "
        f"{PredictionOverridden.from_entry(entry).model_decision} -> "
        f"{decision} by {entry.actor} (entry {entry.seq})"
    )
