"""Which method explains which model: the exact method of its family, else permutation.

The exact methods are tried in this order; a Pipeline whose preprocessing mixes features, or a
family with no exact method, falls back to the permutation explainer on the original features
(docs/explain.md, "The method per model family" and "What govern refuses, and why").
"""

from __future__ import annotations

from collections.abc import Mapping

from govern.errors import BadInput, ExplainerUnsupported
from govern.explain.boosting import LightGBMStrategy, XGBoostStrategy
from govern.explain.linear import LinearStrategy
from govern.explain.permutation import PermutationStrategy
from govern.explain.strategy import Method, MethodChoice, OutputSpace, Strategy, Subject, type_name
from govern.explain.tree import TreeStrategy

__all__ = ["ALL", "EXACT", "METHOD_NAMES", "choose"]

EXACT: tuple[type[Strategy], ...] = (
    TreeStrategy,
    LightGBMStrategy,
    XGBoostStrategy,
    LinearStrategy,
)

ALL: tuple[type[Strategy], ...] = (*EXACT, PermutationStrategy)

METHOD_NAMES: Mapping[Method, str] = {s.method: s.title for s in ALL}


def choose(
    subject: Subject, choice: MethodChoice
) -> tuple[type[Strategy], OutputSpace, str | None]:
    """The method for ``subject``'s final estimator, the output space it explains, and why it
    was chosen when that is not the family's exact method (None when it is)."""
    est, name = subject.estimator, type_name(subject.estimator)
    unwrapped = subject.unwrapped
    pipeline_ok = unwrapped.pre is None or unwrapped.sources is not None
    family = next((s for s in EXACT if s.fits(est)), None)
    if choice == "permutation":
        return PermutationStrategy, PermutationStrategy.output_space(subject), "requested"
    if choice not in ("auto", *(s.method for s in EXACT)):
        raise BadInput(f"unknown explanation method {choice!r}")
    if choice != "auto" and (family is None or choice != family.method):
        raise ExplainerUnsupported(
            f"method {choice!r} does not apply to {name}"
            + (f"; its exact method is {family.method!r}" if family else "")
        )
    if family is not None:
        family.refuse_unsupported(est)
    if family is None:
        return (
            PermutationStrategy,
            PermutationStrategy.output_space(subject),
            f"no exact method for {name}",
        )
    if not pipeline_ok:
        why = (
            "the Pipeline's preprocessing mixes original features, so its encoded columns "
            "cannot be summed back to them"
        )
        if choice != "auto":
            raise ExplainerUnsupported(
                f"method {choice!r} cannot be used: {why}",
                hint="explain with method='permutation' and a background",
            )
        return PermutationStrategy, PermutationStrategy.output_space(subject), why
    return family, family.output_space(subject), None
