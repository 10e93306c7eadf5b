"""`govern demo`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from govern.cli.app import app, console
from govern.demo import run_demo


@app.command()
def demo(
    directory: Path = typer.Argument(Path("govern-demo"), help="A new or empty folder."),
) -> None:
    """Run the whole story end to end on the German credit data, on SQLite."""
    result = run_demo(directory)
    table = Table(title="govern demo: what was made")
    table.add_column("artifact")
    table.add_column("where", overflow="fold")
    for name, path in result.artifacts.items():
        table.add_row(name, str(path))
    console.print(table)
    console.print(f"[green]verified[/green]: {result.entries} entries, root {result.root_b64}")
