"""Challengers are designated, never inferred (docs/registry.md, "Challengers")."""

from __future__ import annotations

import pytest
from sklearn.pipeline import Pipeline

from govern.documents import evidence
from govern.errors import BadInput, NotFound
from govern.registry import models
from tests.conftest import World
from tests.provenance.conftest import register


def test_only_designated_versions_are_challengers(world: World, pipeline: Pipeline) -> None:
    reg = world.reg
    live = register(world, pipeline).ref
    scratch = register(world, pipeline, name="scratch").ref  # the same artifact and holdout
    assert models.challengers_of(reg, live) == []
    assert evidence.gather(reg, live).challengers == ()
    candidate = register(world, pipeline, name="credit-risk-next", challenger_of=live)
    assert candidate.record.challenger_of is not None
    assert candidate.record.challenger_of.entry == models.resolve(reg, live).leaf
    assert [c.ref for c, _ in models.challengers_of(reg, live)] == [candidate.ref]
    assert [c.ref for c in evidence.gather(reg, live).challengers] == [candidate.ref]
    # a later signed designation
    entry = models.designate_challenger(reg, scratch, live, reason="benchmark from Q3 review")
    assert entry.kind == "model.challenger" and entry.actor == "dan"
    assert [c.ref for c, _ in models.challengers_of(reg, live)] == [candidate.ref, scratch]
    size = reg.ledger.size
    with pytest.raises(BadInput, match="already a designated challenger"):
        models.designate_challenger(reg, scratch, live, reason="again")
    with pytest.raises(BadInput, match="of itself"):
        models.designate_challenger(reg, live, live, reason="x")
    with pytest.raises(BadInput, match="exactly"):
        models.designate_challenger(reg, scratch, "credit-risk@latest", reason="x")
    with pytest.raises(NotFound):
        models.designate_challenger(reg, scratch, "credit-risk@9", reason="x")
    with pytest.raises(BadInput, match="say why"):
        models.designate_challenger(reg, candidate.ref, "scratch@1", reason=" ")
    assert reg.ledger.size == size
    reg.verify()
