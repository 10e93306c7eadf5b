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
from govern.errors import BadInput, CardNotReleased, ComparisonMissing, GovernError
from govern.ledger import Entry
from govern.records import ComparisonResult, DocumentGenerated, ModelDeployed, subjects
from govern.registry import deployments, models, trusted
from govern.registry.identity import KeySigner
from govern.registry.status import deployment_history

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = [
    "comparison_refusals",
    "deploy",
    "document_refusals",
    "passing_comparison",
    "released_card",
]


def released_card(reg: Registry, ref: str, model_entry: str) -> Entry | None:
    """The latest ``document.generated`` entry that released the card of ``ref`` (the
    registration whose leaf hash is ``model_entry``), if any."""
    # only releases whose signature and author's authority verify count (registry/trusted.py)
    found = trusted.accepted(
        reg, reg.ledger.checked(subject=subjects.document(ref), kinds=[DocumentGenerated.KIND])
    )
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


def passing_comparison(reg: Registry, candidate: str, live: str) -> Entry | None:
    """The latest recorded comparison of ``candidate`` against ``live`` (both registrations
    as they are) that passed, if any (docs/comparison.md, "The deployment gate")."""
    cand, was = models.resolve(reg, candidate), models.resolve(reg, live)
    found = trusted.accepted(
        reg,
        reg.ledger.checked(subject=subjects.comparison(cand.ref), kinds=[ComparisonResult.KIND]),
    )
    for entry in reversed(found):
        r = ComparisonResult.from_entry(entry)
        if (r.candidate, r.candidate_entry, r.live, r.live_entry) == (
            cand.ref,
            cand.leaf,
            was.ref,
            was.leaf,
        ):
            return entry if r.passed else None
    return None


def previous(reg: Registry, live: str, env: str) -> str | None:
    """The version that ran in ``env`` before ``live``: the one its deployment replaced."""
    for d in reversed(deployment_history(reg, live)):
        if d.env == env and d.action == "deploy" and d.model == live:
            _e, record = reg.recorded(ModelDeployed, d.entry)
            return record.replaces
    return None


def comparison_refusals(
    reg: Registry,
    ref: str,
    env: str,
    replaces: str | None,
    rollback_reason: str | None,
) -> list[GovernError]:
    """A candidate that would replace a live version needs a passing recorded comparison
    between the two; putting back the version that ran before the live one is a rollback,
    exempt, but it must say why (``rollback_reason``, signed with the deployment)."""
    cand = models.resolve(reg, ref)
    live = replaces or deployments.running(reg, cand.name, env)
    if live is None or live == cand.ref:
        if rollback_reason is not None:
            raise BadInput("--rollback-reason is for putting back the version that ran before")
        return []
    if previous(reg, live, env) == cand.ref:
        if rollback_reason is None or not rollback_reason.strip():
            raise BadInput(
                f"{cand.ref} ran in {env} before {live}: a rollback needs no comparison, but it "
                "needs a reason",
                hint="give --rollback-reason TEXT (signed with the deployment)",
            )
        return []
    if rollback_reason is not None:
        raise BadInput(f"{cand.ref} did not run in {env} before {live}: this is no rollback")
    if passing_comparison(reg, cand.ref, live) is not None:
        return []
    return [
        ComparisonMissing(
            f"{cand.ref} would replace {live} in {env} without a passing recorded comparison "
            "between the two",
            hint=f"`govern compare {cand.ref} {live} --data NAME@V --record` (a validator), "
            + deployments.override_hint(cand.ref),
        )
    ]


def deploy(
    reg: Registry,
    ref: str,
    *,
    env: str = "production",
    override: str | None = None,
    key: Path | KeySigner | None = None,
    packs: Sequence[str] = cov.DEFAULT_PACKS,
    replaces: str | None = None,
    rollback_reason: str | None = None,
) -> Entry:
    """Deploy ``ref`` to ``env`` through every gate: the registry's (approval), the mandatory
    documentation of ``packs``, a released card, and, when it replaces a live version, a
    passing recorded comparison with it. The first refusal is raised and nothing is recorded,
    unless ``override`` (an approver's justification, signed with ``key``) is given: then the
    deployment is recorded with the signed override naming every refusal."""
    refused = document_refusals(reg, ref, packs=packs)
    refused += comparison_refusals(reg, ref, env, replaces, rollback_reason)
    return deployments.deploy(
        reg,
        ref,
        env=env,
        override=override,
        key=key,
        refused=refused,
        replaces=replaces,
        rollback_reason=rollback_reason,
    )
