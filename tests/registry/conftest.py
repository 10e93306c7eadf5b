"""Registry fixtures live in tests/conftest.py (shared with the CLI and later tests); the fitted
models and the German credit frame of the registry's own tests are here."""

from typing import Any

import pandas as pd
import pytest

from govern.registry.profiles import profile
from govern.registry.tables import read_table
from tests.conftest import World
from tests.registry.fitted_models import FAMILIES, fit
from tests.registry.frames import GERMAN, TARGET

__all__ = ["World"]


@pytest.fixture(scope="session")
def fitted() -> dict[str, tuple[Any, Any]]:
    return {name: fit(name) for name in FAMILIES}


@pytest.fixture(scope="session")
def german() -> pd.DataFrame:
    return read_table(GERMAN)


@pytest.fixture(scope="session")
def german_profile(german: pd.DataFrame) -> dict[str, Any]:
    return profile(german, target=TARGET)
