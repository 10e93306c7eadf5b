"""Registry fixtures live in tests/conftest.py (shared with the CLI and later tests); the fitted
models of the model-file tests are here."""

from typing import Any

import pytest

from tests.conftest import World
from tests.registry.fitted_models import FAMILIES, fit

__all__ = ["World"]


@pytest.fixture(scope="session")
def fitted() -> dict[str, tuple[Any, Any]]:
    return {name: fit(name) for name in FAMILIES}
