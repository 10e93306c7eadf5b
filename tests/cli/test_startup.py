"""The command starts at once: `govern --help` and every `govern COMMAND --help` load none of
the heavy libraries (docs/performance.md, "Start-up"); each command imports what it needs when
it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

HEAVY = ("pandas", "sklearn", "shap", "matplotlib", "weasyprint", "scipy", "sqlalchemy", "numpy")


def _loaded_after_helps(helps: list[list[str]]) -> tuple[set[str], list[str]]:
    """Run each ``govern ARGS --help`` in one fresh interpreter; the modules it then holds,
    and the help texts."""
    probe = f"""
import json, sys
from typer.main import get_command
from govern.cli.main import app
command = get_command(app)
texts = []
for args in {helps!r}:
    try:
        command.main(args=[*args, "--help"], prog_name="govern", standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    lines = done.stdout.splitlines()
    return set(json.loads(lines[-1])), lines[:-1]


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def _every_command() -> list[list[str]]:
    from typer.main import get_command

    from govern.cli.main import app

    out: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        out.append(path)
        if hasattr(cmd, "list_commands"):  # a group
            ctx = cmd.make_context("govern", [], resilient_parsing=True)
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                assert sub is not None
                walk(sub, [*path, name])

    walk(get_command(app), [])
    return out


def test_help_loads_no_heavy_library() -> None:
    modules, text = _loaded_after_helps([[]])
    assert _heavy(modules) == []
    assert any("demo" in line for line in text)  # the help was printed


def test_every_command_help_loads_no_heavy_library() -> None:
    commands = _every_command()
    assert (
        len(commands) > 60 and ["model", "add"] in commands and ["serve", "decisions"] in commands
    )
    modules, _text = _loaded_after_helps(commands)
    assert _heavy(modules) == []


def test_the_pack_list_in_the_help_is_the_documents_own() -> None:
    from govern.cli.registry_cmds import PACKS
    from govern.documents import coverage

    assert coverage.available() == PACKS
    assert coverage.DEFAULT_PACKS == ("sr11-7", "sr26-2")  # as the --pack help states them
