"""Which method explains which model."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from govern.errors import ExplainerUnsupported
from govern.explain import Method, explain
from govern.explain.methods import ALL, EXACT, METHOD_NAMES
from tests.explain.conftest import Data


def test_method_that_does_not_fit_the_model(gradient_boosting: Any, numeric: Data) -> None:
    with pytest.raises(ExplainerUnsupported, match="its exact method is 'tree'"):
        explain(gradient_boosting, numeric.X.iloc[:5], method="linear")


def test_every_method_has_one_strategy() -> None:
    assert sorted(s.method for s in ALL) == sorted(get_args(Method))
    assert set(METHOD_NAMES) == set(get_args(Method))
    assert "permutation" not in {s.method for s in EXACT}  # the fallback, never a family's own
