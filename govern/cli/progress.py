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


class Bar:
    """``bar(n)`` advances by n; ``bar.total(n)`` sets the total once it is known."""

    def __init__(self, advance: Callable[[int], None], total: Callable[[int], None]) -> None:
        self._advance, self.total = advance, total

    def __call__(self, n: int) -> None:
        self._advance(n)


def _nothing(_n: int) -> None:
    return None


@contextmanager
def progress_bar(label: str, total: int | None, *, enabled: bool = True) -> Iterator[Bar]:
    """Yield a Bar drawing on stderr (``total`` None: unknown until ``bar.total(n)``)."""
    if not enabled or not err_console.is_terminal:
        yield Bar(_nothing, _nothing)
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
        yield Bar(lambda n: bar.advance(task, n), lambda n: bar.update(task, total=n))


def halves(advance: Callable[[int], None]) -> Callable[[int], None]:
    """A row counted twice by the library (once scored, once logged) as one row: the bar
    advances by half the count, so it reaches the number of rows, never twice it."""
    done = 0

    def step(n: int) -> None:
        nonlocal done
        before = done // 2
        done += n
        if done // 2 > before:
            advance(done // 2 - before)

    return step
