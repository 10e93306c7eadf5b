"""Ledger commands: init, log, show, proof, checkpoint, verify, guards."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from govern.cli.app import DbOption, app, console, err_console
from govern.cli.outputs import ForceOption, check_output
from govern.cli.progress import progress_bar
from govern.cli.registry_cmds import ArtifactsOption, registry
from govern.errors import BadInput, CompromisedSignatures, GovernError

if TYPE_CHECKING:
    from govern.ledger.note import Verifier


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _key_path(db: str | None, key: Path | None) -> Path:
    from govern.ledger import resolve_url
    from govern.ledger.db import sqlite_path
    from govern.ledger.logkey import default_key_path

    return key or default_key_path(sqlite_path(resolve_url(db)))


def _dump(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False))


@app.command()
def init(
    origin: str = typer.Option(
        ..., "--origin", help="The log's name, chosen once, e.g. bank.example/govern/credit."
    ),
    db: str | None = DbOption,
    key: Path | None = typer.Option(
        None, "--key", envvar="GOVERN_LOG_KEY", help="Where to write the log key (mode 0600)."
    ),
    admin: str = typer.Option("administrator", "--admin", help="The first administrator."),
    admin_key: Path | None = typer.Option(
        None,
        "--admin-key",
        help="The administrator's OpenSSH public key; a new Ed25519 key is made if omitted.",
    ),
) -> None:
    """Create a registry: database, log key, entry 0 and the first administrator."""
    from govern.registry.bootstrap import init_registry

    result = init_registry(db, origin, key_path=key, admin=admin, admin_public_key=admin_key)
    console.print(f"registry created: {result.url}")
    console.print(f"log key (keep it secret, mode 0600): {result.key_path}")
    if result.admin_key is not None:
        console.print(f"administrator {result.admin}'s new SSH key: {result.admin_key}")
    console.print("verifier key (give it to auditors; it checks every checkpoint):")
    typer.echo(result.verifier_key)


@app.command("log")
def log_(
    db: str | None = DbOption,
    limit: int = typer.Option(
        20, "--limit", "-n", min=1, help="How many entries, newest first (at least 1)."
    ),
    kind: str | None = typer.Option(None, "--kind", help="Only entries of this kind."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show the most recent entries."""
    from govern.ledger import open_ledger

    with open_ledger(db, readonly=True) as ledger:
        entries = list(ledger.entries(kind=kind, newest_first=True, limit=limit))
    if as_json:
        _dump([e.as_dict() for e in entries])
        return
    table = Table(title=f"{ledger.origin}: newest {len(entries)} entries")
    for col in ("seq", "time (UTC)", "kind", "actor", "subject", "leaf hash"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(str(e.seq), e.ts, e.kind, e.actor, e.subject or "", e.leaf.hex()[:16])
    console.print(table)


@app.command()
def show(
    seq: int = typer.Argument(..., help="The entry's position (seq)."),
    db: str | None = DbOption,
    raw: bool = typer.Option(False, "--raw", help="Print the stored bytes exactly."),
) -> None:
    """Show one entry: its fields, payload and leaf hash."""
    from govern.ledger import open_ledger

    with open_ledger(db, readonly=True) as ledger:
        entry = ledger.entry(seq)
    if raw:
        typer.echo(entry.body.decode("utf-8"))
        return
    _dump(entry.as_dict())


@app.command()
def proof(
    seq: int = typer.Argument(..., help="The entry's position (seq)."),
    size: int | None = typer.Option(None, "--size", help="Tree size (default: the current)."),
    db: str | None = DbOption,
) -> None:
    """Print the inclusion proof of an entry (RFC 9162), checked before it is printed."""
    from govern.ledger import merkle, open_ledger

    with open_ledger(db, readonly=True) as ledger:
        n = size or ledger.size
        path = ledger.inclusion_proof(seq, n)
        root = ledger.root_at(n)
        entry = ledger.entry(seq)
    merkle.verify_inclusion(entry.leaf, seq, n, path, root)
    _dump(
        {
            "index": seq,
            "tree_size": n,
            "leaf_hash": _b64(entry.leaf),
            "root_hash": _b64(root),
            "inclusion_path": [_b64(h) for h in path],
        }
    )


@app.command()
def checkpoint(
    db: str | None = DbOption,
    key: Path | None = typer.Option(None, "--key", envvar="GOVERN_LOG_KEY", help="Log key."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the note here."),
    force: bool = ForceOption,
) -> None:
    """Sign the current head as a C2SP checkpoint, keep it, and print or write it."""
    from govern.ledger import open_ledger
    from govern.ledger.logkey import load_key

    check_output(output, force=force)  # before the checkpoint is signed and kept
    signer = load_key(_key_path(db, key))
    with open_ledger(db) as ledger:
        note_text = ledger.sign_checkpoint(signer)
    if output is None:
        typer.echo(note_text, nl=False)
    else:
        output.write_text(note_text, encoding="utf-8")
        console.print(f"checkpoint written: {output}")


def _read_verifier(value: str | None) -> Verifier | None:
    from govern.ledger.note import Verifier

    if value is None:
        return None
    path = Path(value)
    text = path.read_text(encoding="utf-8").strip() if path.is_file() else value.strip()
    return Verifier.from_string(text)


@app.command()
def verify(
    ctx: typer.Context,
    db: str | None = DbOption,
    checkpoint_file: Path | None = typer.Option(
        None, "--checkpoint", help="A checkpoint you hold: prove the log only grew since."
    ),
    verifier_key: str | None = typer.Option(
        None, "--verifier-key", help="The log's verifier key as you hold it (string or file)."
    ),
    stores: bool = typer.Option(
        False,
        "--stores",
        help="Also read every stored artifact and prediction input against the ledger "
        "(slower: every byte is read).",
    ),
    artifacts: Path | None = ArtifactsOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    record: bool = typer.Option(
        False,
        "--record",
        help="Append the result, passed or failed, as a signed verify.completed entry "
        "(signed with --sign-with; the auditor's ledger page shows it).",
    ),
) -> None:
    """Verify the whole ledger, every signature in it and the registry tables; exit
    non-zero naming the first bad entry. ``--stores`` adds the artifact and input stores."""
    from govern.registry import verification

    if not record:
        _verify(db, checkpoint_file, verifier_key, stores, artifacts, as_json)
        return
    try:
        size, root = _verify(db, checkpoint_file, verifier_key, stores, artifacts, as_json)
    except GovernError as err:
        try:
            with registry(ctx, db, artifacts) as reg:
                outcome = verification.failed_at_head(reg, err.exit_code, (err.message,))
                verification.record(reg, outcome)
        except GovernError as unrecorded:  # the failure itself stops the record: say so
            err_console.print(f"[red]not recorded[/red]: {unrecorded.message}")
        raise
    with registry(ctx, db, artifacts) as reg:
        entry = verification.record(reg, verification.Outcome(size, root, True, 0))
    if not as_json:
        console.print(f"recorded: verify.completed entry {entry.seq}")


def _verify(
    db: str | None,
    checkpoint_file: Path | None,
    verifier_key: str | None,
    stores: bool,
    artifacts: Path | None,
    as_json: bool,
) -> tuple[int, bytes]:
    """Run and print one verification; the size and root it checked."""
    from govern.registry import Registry

    note_text = None
    if checkpoint_file is not None:
        try:
            note_text = checkpoint_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read the checkpoint file {checkpoint_file}: {exc}") from exc
    verifier = _read_verifier(verifier_key)
    checked = None
    with Registry.open(db, readonly=True, artifacts=artifacts) as reg:
        total = reg.ledger.size
        with progress_bar("verifying", total, enabled=not as_json) as advance:
            verified = reg.verify(checkpoint=note_text, verifier=verifier, progress=advance)
        if stores:
            from govern.provenance.stores import check_stores

            with progress_bar("checking the stores", None, enabled=not as_json) as advance:
                checked = check_stores(reg, progress=advance)
    report, authority = verified.ledger, verified.authority
    summary = {
        "ok": True,
        "origin": report.origin,
        "size": report.size,
        "root_hash": _b64(report.root),
        "nodes_checked": report.nodes,
        "checkpoints_checked": report.checkpoints,
        "consistent_with": None
        if report.against is None
        else {"size": report.against.size, "root_hash": _b64(report.against.root)},
        "signed_entries": authority.signed,
        "unsigned_before_signatures_were_required": authority.unsigned_legacy,
        "signatures_required_from": authority.required_from,
        "signed_by_compromised_keys": list(authority.compromised),
    }
    if checked is not None:
        summary["stores"] = {
            "artifacts": checked.artifacts,
            "inputs": checked.inputs,
            "inputs_erased": checked.erased,
        }
    if as_json:
        _dump(summary)
        _warn_compromised(authority.compromised)
        return report.size, report.root
    console.print(
        f"[green]ok[/green]: {report.size} entries, {report.nodes} tree nodes and "
        f"{report.checkpoints} kept checkpoints verify; root {_b64(report.root)}"
    )
    if report.against is not None:
        console.print(
            f"[green]ok[/green]: the log is an append-only extension of your checkpoint "
            f"(size {report.against.size})"
        )
    signed = f"[green]ok[/green]: {authority.signed} entries signed by their authors, each allowed"
    console.print(signed + " by the policy of its time")
    if authority.unsigned_legacy:
        console.print(
            f"{authority.unsigned_legacy} entries unsigned (written before signatures were "
            "required)"
        )
    if checked is not None:
        console.print(
            f"[green]ok[/green]: {checked.artifacts} stored artifacts match their digests and "
            f"{checked.inputs} stored inputs their commitments ({checked.erased} erased)"
        )
    _warn_compromised(authority.compromised)
    return report.size, report.root


def _warn_compromised(seqs: tuple[int, ...]) -> None:
    if not seqs:
        return
    shown = ", ".join(str(s) for s in seqs[:20]) + (" ..." if len(seqs) > 20 else "")
    raise CompromisedSignatures(
        f"{len(seqs)} entries were signed by keys later revoked as compromised and no longer "
        f"count: {shown}",
        hint="an approval made only by such a key must be signed again by an unrevoked one",
    )


@app.command()
def guards(
    db: str | None = DbOption,
    install: bool = typer.Option(False, "--install", help="Restore missing guards."),
) -> None:
    """Report (or restore) the database guards that make the ledger append-only."""
    from govern.ledger import open_ledger

    with open_ledger(db) as ledger:
        if install:
            ledger.install_guards()
        problems = ledger.guard_problems()
    if problems:
        for p in problems:
            console.print(f"[red]missing[/red]: {p}")
        raise typer.Exit(16)
    console.print("[green]ok[/green]: every guard is in force")
