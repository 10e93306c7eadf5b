"""`govern demo`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from govern.cli.app import app, console


@app.command()
def demo(
    directory: Path = typer.Argument(Path("govern-demo"), help="A new or empty folder."),
) -> None:
    """Run the whole story end to end on the German credit data, on SQLite."""
    from govern.demo import run_demo

    with console.status("running the demo") as spinner:
        result = run_demo(directory, say=lambda s: console.print(f"[green]✓[/green] {s}"))
        spinner.stop()
    inv = Table(title="model inventory")
    inv.add_column("model", no_wrap=True)
    for col in ("tier", "owner", "status", "next review", "open findings"):
        inv.add_column(col)
    for r in result.inventory:
        inv.add_row(
            f"{r.name}@{r.version}",
            r.tier,
            r.owner,
            r.status,
            r.next_review_due or "",
            str(r.open_findings),
        )
    console.print(inv)
    table = Table(title="what was made")
    table.add_column("artifact")
    table.add_column("where", overflow="fold")
    for name, path in result.artifacts.items():
        table.add_row(name, str(path))
    console.print(table)
    console.print(f"[green]verified[/green]: {result.entries} entries, root {result.root_b64}")
    console.print(f"try: govern inventory --db {result.db}")
    console.print(f"     govern provenance {result.declined} --db {result.db}")
    console.print(
        f"     govern receipt verify {result.artifacts['receipt']} --key "
        f"'{result.verifier_key}' --id {result.declined}",
        soft_wrap=True,
    )
