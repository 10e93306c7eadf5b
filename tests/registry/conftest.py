"""Registry fixtures live in tests/conftest.py (shared with the CLI and later tests)."""

from tests.conftest import World

__all__ = ["World"]
