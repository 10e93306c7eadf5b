"""The registry CLI's world (a ledger with people, keys and a model) for every CLI test module."""

from tests.cli.test_registry_cli import setup  # noqa: F401  (a fixture, shared by name)
from tests.provenance.conftest import demo, demo_template  # noqa: F401  (fixtures, by name)
