"""The typer application object, its error handling and shared options.

Every command module registers itself on ``app``. Errors raised on purpose (``GovernError``)
print one ``error:`` line and a ``hint:`` and exit with the error's documented code; a traceback
only with ``--debug``.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from govern.errors import GovernError

#: The width tables are laid out in when the output is not a terminal (a pipe, a file, a CI
#: log): wide enough that every table prints whole, at its natural width, with no cell wrapped.
PIPED_WIDTH = 10_000


class _Console(Console):
    """A terminal gets tables fitted to its width; a pipe gets them whole (docs/cli.md,
    "Output")."""

    @property
    def size(self) -> Any:
        size = super().size
        if self.is_terminal or self.is_jupyter:
            return size
        return size._replace(width=PIPED_WIDTH)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


console = _Console(highlight=False, soft_wrap=True)
err_console = _Console(stderr=True, highlight=False, soft_wrap=True)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test runner's capture)
        pass
    finally:
        os.close(devnull)


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it is not a subcommand, goes to ``default``:
    ``govern card MODEL@V ...`` is ``govern card render MODEL@V ...``."""

    default = "render"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default, *args]
        return list(super().parse_args(ctx, args))


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
        except BrokenPipeError:
            # the reader went away (`govern log | head`): the work is done, only the rest of
            # the output is not wanted; no error, and nothing more to print
            _quiet_stdout()
            raise typer.Exit(0) from None
        except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug
            from govern.registry.statements import StatementWritten

            if isinstance(exc, StatementWritten):  # the first of two steps: sign it elsewhere
                _written(exc)
                return None
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


def _written(written: Any) -> None:
    console.print(f"statement written: {written.path} ({written.kind}); nothing was recorded")
    console.print("sign it on your workstation, then run the same command again with --signed:")
    typer.echo(f"  ssh-keygen -Y sign -f YOUR_KEY -n {written.namespace} {written.path}")
    typer.echo(f"  {_again(written.path)}")


def _again(path: Path) -> str:
    """The command line that records the signed statement: this one, with ``--signed``."""
    argv = sys.argv[1:]
    if Path(sys.argv[0]).name != "govern" or "--statement-out" not in argv:
        return f"govern --as NAME --signed {path} ...the same command..."
    i = argv.index("--statement-out")
    return shlex.join(["govern", *argv[:i], "--signed", *argv[i + 1 : i + 2], *argv[i + 2 :]])


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
        help="Who is acting (an enrolled person's name); it must be the signing key's person.",
    ),
    sign_with: Path | None = typer.Option(
        None,
        "--sign-with",
        envvar="GOVERN_SIGNING_KEY",
        help="The SSH key that signs what you record (a private key, or KEY.pub with the key "
        "in ssh-agent); it says who you are.",
    ),
    statement_out: Path | None = typer.Option(
        None,
        "--statement-out",
        help="Sign elsewhere: write what the command would record as a statement to sign "
        "(ssh-keygen -Y sign), and record nothing.",
    ),
    signed: Path | None = typer.Option(
        None,
        "--signed",
        help="Record a statement written by --statement-out and signed elsewhere (its "
        "signature in FILE.sig).",
    ),
) -> None:
    ctx.obj = {
        "debug": debug,
        "actor": as_,
        "key": sign_with,
        "statement_out": statement_out,
        "signed": signed,
    }


def actor_of(ctx: typer.Context) -> str | None:
    """The ``--as`` name given to the root command, if any."""
    root = ctx.find_root()
    obj = root.obj or {}
    return obj.get("actor") if isinstance(obj, dict) else None


def option_of(ctx: typer.Context, name: str) -> Path | None:
    """A path option of the root command (``statement_out``, ``signed``), if given."""
    obj = ctx.find_root().obj or {}
    value = obj.get(name) if isinstance(obj, dict) else None
    return Path(value) if value is not None else None


def key_of(ctx: typer.Context) -> Path | None:
    """The ``--sign-with`` key given to the root command (or GOVERN_SIGNING_KEY), if any."""
    root = ctx.find_root()
    obj = root.obj or {}
    key = obj.get("key") if isinstance(obj, dict) else None
    return Path(key) if key is not None else None
