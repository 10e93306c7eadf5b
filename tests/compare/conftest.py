"""Monitoring fixtures: the demo's registry (tests/provenance/conftest.py)."""

from tests.provenance.conftest import demo, demo_template  # noqa: F401  (fixtures, by name)
