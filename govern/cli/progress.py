"""Progress bars for long work (rich), silent when output is for machines or not a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from govern.cli.app import err_console


@contextmanager
def progress_bar(
    label: str, total: int | None, *, enabled: bool = True
) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` callback drawing a bar on stderr (``total`` None: unknown)."""
    if not enabled or not err_console.is_terminal:
        yield lambda _n: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
