"""Names that moved keep working for one release, with a warning that says where they went
(docs/python-api.md, "Moved names")."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("old_module", "name", "new_module"),
    [
        ("govern.registry.datasets", "read_table", "govern.registry.tables"),
        ("govern.registry.datasets", "Schema", "govern.registry.schema"),
        ("govern.registry.datasets", "psi", "govern.registry.profiles"),
        ("govern.registry.datasets", "folder_digest", "govern.registry.digests"),
        ("govern.registry.artifacts", "model_fingerprint", "govern.registry.fingerprint"),
        ("govern.provenance.records", "logged_entry", "govern.provenance.events"),
    ],
)
def test_a_moved_name_warns_and_is_the_new_one(old_module: str, name: str, new_module: str) -> None:
    old = importlib.import_module(old_module)
    with pytest.warns(DeprecationWarning, match=new_module.replace(".", r"\.")):
        value = getattr(old, name)
    assert value is getattr(importlib.import_module(new_module), name)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    old = importlib.import_module("govern.registry.datasets")
    with pytest.raises(AttributeError):
        old.no_such_name  # noqa: B018
