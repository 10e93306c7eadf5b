"""Progress bars count right and show a total where one is known (issue 13)."""

from __future__ import annotations

from govern.cli.progress import halves
from govern.documents.explanation import explain_global
from tests.provenance.conftest import Demo


def test_a_row_counted_twice_by_the_library_advances_the_bar_once() -> None:
    shown: list[int] = []
    step = halves(shown.append)
    for n in (3, 3, 5, 5, 1, 1):  # each row once scored, once logged
        step(n)
    assert sum(shown) == 9  # the rows, never twice them
    assert all(n > 0 for n in shown)


def test_the_explain_bar_learns_its_total_before_the_first_row(demo: Demo) -> None:
    events: list[tuple[str, int]] = []
    demo.act("vera")
    explain_global(
        demo.reg,
        "credit-risk@1",
        "german-holdout@1",
        sample=120,
        progress=lambda n: events.append(("advance", n)),
        total=lambda n: events.append(("total", n)),
    )
    assert events[0] == ("total", 120)
    assert sum(n for kind, n in events if kind == "advance") == 120
