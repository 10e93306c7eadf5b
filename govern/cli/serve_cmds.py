"""Serving commands: `govern serve decisions`, `govern serve auditor`, and the bearer tokens
they admit (`govern tokens issue|revoke|list`); docs/serving.md and docs/auditor.md."""

from __future__ import annotations

from pathlib import Path

import typer

from govern.cli.app import DbOption, app, console, key_of
from govern.cli.registry_cmds import ArtifactsOption, SignWith, _dump, _table, registry

serve_app = typer.Typer(
    help="Serve decisions, or the auditor's pages, over HTTP.", no_args_is_help=True
)
tokens_app = typer.Typer(help="Bearer tokens for the HTTP services.", no_args_is_help=True)
app.add_typer(serve_app, name="serve")
app.add_typer(tokens_app, name="tokens")

HostOption = typer.Option("127.0.0.1", "--host", help="The address to listen on.")


def _run(target: str, host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(target, host=host, port=port, workers=workers, factory=True, log_level="warning")


@serve_app.command("decisions")
def serve_decisions(
    ctx: typer.Context,
    host: str = HostOption,
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    env: str = typer.Option("production", "--env", help="Decide with the version deployed here."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes."),
    sign_with: Path | None = SignWith,
    artifacts: Path | None = ArtifactsOption,
    db: str | None = DbOption,
) -> None:
    """Serve decisions over HTTP: every decision logged, signed by the service's key, before it
    is answered (POST /v1/models/NAME/decisions, POST /v2/models/NAME/infer)."""
    import os

    from govern.serve import factory

    key = sign_with or key_of(ctx)
    with registry(ctx, db, artifacts=artifacts, key=key) as reg:
        # checked here, once, so a wrong key or registry fails before the server starts
        factory.check_service(reg)
        url = reg.ledger.engine.url.render_as_string(hide_password=False)
        os.environ.update(factory.environment(url, key, env=env, artifacts=reg.artifacts.root))
    console.print(f"serving decisions of {env} on http://{host}:{port} (docs at /docs)")
    _run("govern.serve.factory:decisions", host, port, workers)


@serve_app.command("auditor")
def serve_auditor(
    ctx: typer.Context,
    host: str = HostOption,
    port: int = typer.Option(8001, "--port", min=1, max=65535),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes."),
    artifacts: Path | None = ArtifactsOption,
    db: str | None = DbOption,
) -> None:
    """Serve the auditor's read-only pages and provenance look-ups over HTTP (read tokens)."""
    import os

    from govern.serve import factory

    with registry(ctx, db, artifacts=artifacts) as reg:
        url = reg.ledger.engine.url.render_as_string(hide_password=False)
        os.environ.update(factory.environment(url, None, artifacts=reg.artifacts.root))
    console.print(f"serving the auditor's pages on http://{host}:{port}")
    _run("govern.serve.factory:auditor", host, port, workers)


@tokens_app.command("issue")
def tokens_issue(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The enrolled person or service the token is for."),
    scope: str = typer.Option(..., "--scope", help="decide (post decisions) or read (audit)."),
    expires: str | None = typer.Option(None, "--expires", help="Last day it opens (YYYY-MM-DD)."),
    sign_with: Path | None = SignWith,
    db: str | None = DbOption,
) -> None:
    """Issue a bearer token (signed by you, an administrator); it is shown once, only its
    hash is recorded."""
    from govern.registry import tokens as tokens_mod
    from govern.registry.dates import parse_date

    until = parse_date(expires) if expires is not None else None
    with registry(ctx, db, key=sign_with) as reg:
        issued = tokens_mod.issue(reg, name, scope=scope, expires=until)
    console.print(
        f"token {issued.id} issued to {issued.person} ({issued.scope}; entry {issued.entry}); "
        "keep it secret, it is shown only now:"
    )
    typer.echo(issued.text)


@tokens_app.command("revoke")
def tokens_revoke(
    ctx: typer.Context,
    token_id: str = typer.Argument(..., help="The token's id (as `govern tokens list` shows)."),
    reason: str = typer.Option(..., "--reason"),
    sign_with: Path | None = SignWith,
    db: str | None = DbOption,
) -> None:
    """Revoke a bearer token (signed by you, an administrator)."""
    from govern.registry import tokens as tokens_mod

    with registry(ctx, db, key=sign_with) as reg:
        entry = tokens_mod.revoke(reg, token_id, reason=reason)
    console.print(f"token {token_id} revoked (entry {entry.seq})")


@tokens_app.command("list")
def tokens_list(
    ctx: typer.Context,
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List the tokens issued (ids, holders, scopes; never the secrets)."""
    from dataclasses import asdict

    from govern.registry import tokens as tokens_mod

    with registry(ctx, db, readonly=True) as reg:
        rows = tokens_mod.listing(reg)
    if as_json:
        _dump([asdict(t) for t in rows])
        return
    _table(
        "tokens",
        ["id", "holder", "scope", "issued", "by", "expires", "revoked"],
        [
            [t.id, t.person, t.scope, t.issued_at, t.issued_by, t.expires, t.revoked_at]
            for t in rows
        ],
    )
