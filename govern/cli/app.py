"""The typer application object, its error handling and shared options.

Every command module registers itself on ``app``. Errors raised on purpose (``GovernError``)
print one ``error:`` line and a ``hint:`` and exit with the error's documented code; a traceback
only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from govern.errors import GovernError

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class GovernGroup(TyperGroup):
    """Turns GovernError into a one-line message and its exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except GovernError as exc:
            if os.environ.get("GOVERN_DEBUG") or (ctx.obj or {}).get("debug"):
                raise
            err_console.print(f"[bold red]error:[/] {exc.message}", markup=True)
            if exc.hint:
                err_console.print(f"[yellow]hint:[/] {exc.hint}", markup=True)
            sys.stderr.flush()
            raise typer.Exit(exc.exit_code) from None
        except (TyperException, Exit, Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug
            if os.environ.get("GOVERN_DEBUG") or (ctx.obj or {}).get("debug"):
                raise
            err_console.print(
                f"[bold red]error:[/] internal error ({type(exc).__name__}: {exc})", markup=True
            )
            err_console.print("[yellow]hint:[/] re-run with --debug and report it", markup=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err_console.print("interrupted: nothing was written by the unfinished step")
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=GovernGroup,
    name="govern",
    help="Model governance: a tamper-evident ledger of models, data, approvals and predictions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DbOption = typer.Option(
    None,
    "--db",
    envvar="GOVERN_DB",
    help="Registry database: a SQLite file path (default ./registry.db) or a "
    "postgresql+psycopg:// URL.",
    show_default=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    as_: str | None = typer.Option(
        None,
        "--as",
        envvar="GOVERN_USER",
        help="Who is acting (an enrolled person's name); default: your login name.",
    ),
) -> None:
    ctx.obj = {"debug": debug, "actor": as_}


def actor_of(ctx: typer.Context) -> str | None:
    """The ``--as`` name given to the root command, if any."""
    root = ctx.find_root()
    obj = root.obj or {}
    return obj.get("actor") if isinstance(obj, dict) else None
