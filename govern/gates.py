"""The deployment gate: what a version must have before it may be deployed.

Besides what the registry itself requires (an approval in force that is not stale, no blocking
finding raised by a person: ``registry.deployments``), a deployment needs the documentation the
regulation packs mark mandatory for the version's tier (``govern coverage``) and a model card
released for that version (``govern release``). These read documents, so they are checked here,
above ``registry`` and ``documents``; the registry only records the deployment. Every refusal
is a typed error (docs/exit-codes.md) and writes nothing, unless an approver signs an override,
which names each refusal it overrides and is recorded in the deployment's entry
(docs/registry.md, "Deployment gates").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from govern.documents import coverage as cov
from govern.documents import evidence as ev
from govern.errors import CardNotReleased, GovernError
from govern.ledger import Entry
from govern.records import DocumentGenerated, subjects
from govern.registry import deployments
from govern.registry.identity import KeySigner

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["deploy", "document_refusals", "released_card"]


def released_card(reg: Registry, ref: str, model_entry: str) -> Entry | None:
    """The latest ``document.generated`` entry that released the card of ``ref`` (the
    registration whose leaf hash is ``model_entry``), if any."""
    found = reg.ledger.checked(subject=subjects.document(ref), kinds=[DocumentGenerated.KIND])
    for entry in reversed(found):
        _e, record = reg.recorded(DocumentGenerated, entry.seq, entry.leaf.hex())
        if record.model_entry == model_entry and any(f.document == "card" for f in record.files):
            return entry
    return None


def document_refusals(
    reg: Registry, ref: str, *, packs: Sequence[str] = cov.DEFAULT_PACKS
) -> list[GovernError]:
    """Why the documents hold ``ref`` back from deployment (empty: they do not)."""
    loaded = [cov.load(p) for p in packs]
    facts = ev.gather(reg, ref)
    found: list[GovernError] = []
    gaps = cov.incomplete(
        facts,
        [cov.check_pack(facts, p) for p in loaded],
        hint=deployments.override_hint(facts.ref),
    )
    if gaps is not None:
        found.append(gaps)
    if released_card(reg, facts.ref, facts.model_leaf) is None:
        found.append(
            CardNotReleased(
                f"no model card of {facts.ref} was released: it may not be deployed",
                hint=f"release it first (`govern release {facts.ref} -o DIR`), "
                + deployments.override_hint(facts.ref),
            )
        )
    return found


def deploy(
    reg: Registry,
    ref: str,
    *,
    env: str = "production",
    override: str | None = None,
    key: Path | KeySigner | None = None,
    packs: Sequence[str] = cov.DEFAULT_PACKS,
) -> Entry:
    """Deploy ``ref`` to ``env`` through every gate: the registry's (approval), the mandatory
    documentation of ``packs`` and a released card. The first refusal is raised and nothing is
    recorded, unless ``override`` (an approver's justification, signed with ``key``) is given:
    then the deployment is recorded with the signed override naming every refusal."""
    return deployments.deploy(
        reg,
        ref,
        env=env,
        override=override,
        key=key,
        refused=document_refusals(reg, ref, packs=packs),
    )
