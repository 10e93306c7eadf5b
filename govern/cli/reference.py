"""Generate docs/cli.md from the command definitions, so the reference cannot drift."""

from __future__ import annotations

from typer.main import get_command
from typer.testing import CliRunner

from govern.cli.app import app
from govern.cli.main import main as _register  # noqa: F401  (registers the commands)


def _commands() -> list[list[str]]:
    root = get_command(app)
    out: list[list[str]] = [[]]
    for name, cmd in sorted(getattr(root, "commands", {}).items()):
        out.append([name])
        for sub in sorted(getattr(cmd, "commands", {}) or {}):
            out.append([name, sub])
    return out


def cli_reference() -> str:
    """The Markdown reference: each command's --help, in order."""
    runner = CliRunner()
    parts = [
        "# Command reference\n",
        "Generated from the code by `python -m govern.cli.reference > docs/cli.md`; a test checks "
        "that this file is current. Exit codes: [exit-codes.md](exit-codes.md).\n",
        "## Output\n\n"
        "- **Output files.** Every `-o` is checked before any work is done and before anything "
        "is signed, recorded or kept: a file that exists is never replaced without `--force`; "
        "its folder must exist and be writable; it may not be a folder, nor the command's own "
        "input (`govern score FILE -o FILE`); a command that writes one kind of file refuses "
        "another suffix (`govern score -o x.parquet`: it writes CSV). Each is one `error:` line "
        "and exit 3, with nothing written.\n"
        "- **Through a pipe** (a CI log, `less`, `| cat`), tables are printed whole at their "
        "natural width, every cell on one line; in a terminal they fit its width. Every "
        "listing command also takes `--json`.\n",
    ]
    for path in _commands():
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1"})
        title = "govern " + " ".join(path) if path else "govern"
        parts.append(f"## {title}\n\n```text\n{result.stdout.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(cli_reference(), end="")
