"""Regulation packs and the coverage matrix: which requirements a model version has evidence for.

A pack (``packs/*.toml``, or a bank's own file) lists requirements, each with the evidence that
satisfies it and the lowest risk tier for which it is mandatory (``mandatory_from``: a
requirement is mandatory for a model whose tier is at or above it; without it the requirement
is advisory). ``coverage`` checks every requirement against the ledger; ``govern release``
refuses a version whose mandatory requirements are not all satisfied.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.documents import evidence as ev
from govern.documents.evidence import TIER_ORDER, Evidence, Facts
from govern.errors import BadInput, CoverageIncomplete, NotFound

if TYPE_CHECKING:
    from govern.registry.core import Registry

PACK_DIR = Path(__file__).resolve().parent / "packs"
#: The packs `govern release` checks unless told otherwise (US model risk guidance).
DEFAULT_PACKS = ("sr11-7", "sr26-2")


@dataclass(frozen=True)
class Requirement:
    """One requirement of a pack."""

    id: str
    cite: str
    title: str
    text: str
    evidence: tuple[str, ...]  # every item must be present; "a|b" means a or b
    mandatory_from: str | None
    sections: tuple[int, ...]  # the model-card sections that answer it
    crosswalk: tuple[str, ...]

    def mandatory_for(self, tier: str) -> bool:
        if self.mandatory_from is None or tier not in TIER_ORDER:
            return False
        return TIER_ORDER.index(tier) >= TIER_ORDER.index(self.mandatory_from)


@dataclass(frozen=True)
class Pack:
    """A set of requirements from one regulation or guidance."""

    id: str
    title: str
    short: str
    issued: str
    status: str
    primary_text: str
    requirements: tuple[Requirement, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "short": self.short,
            "issued": self.issued,
            "status": self.status,
            "primary_text": self.primary_text,
        }


def available() -> list[str]:
    """The names of govern's own packs."""
    return sorted(p.stem for p in PACK_DIR.glob("*.toml"))


def load(name: str) -> Pack:
    """A pack by name (``sr11-7``) or from a TOML file path (a bank's own pack)."""
    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return _parse(path.read_bytes(), str(path))
    if not available():
        raise NotFound(
            f"govern's regulation packs are not installed (no .toml file in {PACK_DIR})",
            hint="reinstall govern from a build that ships govern/documents/packs/*.toml",
        )
    if name not in available():
        raise NotFound(
            f"there is no regulation pack {name!r}",
            hint=f"use one of: {', '.join(available())}, or the path of a pack file (.toml)",
        )
    return _load_packaged(name)


@functools.lru_cache(maxsize=16)
def _load_packaged(name: str) -> Pack:
    return _parse((PACK_DIR / f"{name}.toml").read_bytes(), f"{name}.toml")


def _parse(raw: bytes, source: str) -> Pack:
    def bad(problem: str) -> BadInput:
        return BadInput(
            f"the regulation pack {source} is malformed: {problem}",
            hint='see docs/documents.md, "Regulation packs"',
        )

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise bad(str(exc)) from exc
    for key in ("id", "title", "short", "primary_text"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise bad(f"it needs a text `{key}`")
    reqs = []
    seen: set[str] = set()
    for i, item in enumerate(data.get("requirements") or []):
        where = f"requirement {i + 1}"
        for key in ("id", "cite", "title", "text"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise bad(f"{where} needs a text `{key}`")
        if item["id"] in seen:
            raise bad(f"the requirement id {item['id']!r} appears twice")
        seen.add(item["id"])
        evidence = item.get("evidence")
        if not isinstance(evidence, list) or not evidence:
            raise bad(f"{item['id']}: `evidence` must be a non-empty list")
        for alt in evidence:
            for name in str(alt).split("|"):
                if not ev.known(name):
                    raise bad(f"{item['id']}: unknown evidence {name!r}")
        tier = item.get("mandatory_from")
        if tier is not None and tier not in TIER_ORDER:
            raise bad(f"{item['id']}: mandatory_from must be one of {', '.join(TIER_ORDER)}")
        sections = item.get("sections") or []
        if not all(isinstance(s, int) and 0 <= s <= 15 for s in sections):
            raise bad(f"{item['id']}: sections are model-card section numbers 0 to 15")
        reqs.append(
            Requirement(
                id=item["id"],
                cite=item["cite"],
                title=item["title"],
                text=item["text"],
                evidence=tuple(str(x) for x in evidence),
                mandatory_from=tier,
                sections=tuple(sections),
                crosswalk=tuple(item.get("crosswalk") or ()),
            )
        )
    if not reqs:
        raise bad("it has no [[requirements]]")
    return Pack(
        id=data["id"],
        title=data["title"],
        short=data["short"],
        issued=str(data.get("issued", "")),
        status=str(data.get("status", "")),
        primary_text=data["primary_text"],
        requirements=tuple(reqs),
        source=source,
    )


@dataclass(frozen=True)
class Row:
    """One requirement checked against a model version."""

    requirement: Requirement
    mandatory: bool
    evidence: tuple[Evidence, ...]  # one per evidence item (the first present alternative)

    @property
    def satisfied(self) -> bool:
        return all(e.present for e in self.evidence)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(e.detail for e in self.evidence if not e.present)

    @property
    def state(self) -> str:
        if self.satisfied:
            return "evidence recorded"
        return "MISSING" if self.mandatory else "missing (advisory)"

    def to_dict(self) -> dict[str, Any]:
        r = self.requirement
        return {
            "id": r.id,
            "cite": r.cite,
            "title": r.title,
            "mandatory": self.mandatory,
            "mandatory_from": r.mandatory_from,
            "satisfied": self.satisfied,
            "state": self.state,
            "sections": list(r.sections),
            "crosswalk": list(r.crosswalk),
            "evidence": [e.to_dict() for e in self.evidence],
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class Coverage:
    """The coverage matrix of one pack for one model version."""

    model: str
    tier: str
    pack: Pack
    rows: tuple[Row, ...]
    ledger_size: int

    @property
    def complete(self) -> bool:
        """Every requirement mandatory for the tier has its evidence."""
        return all(r.satisfied for r in self.rows if r.mandatory)

    @property
    def missing_mandatory(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.mandatory and not r.satisfied)

    @property
    def missing(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.satisfied)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tier": self.tier,
            "pack": self.pack.to_dict(),
            "ledger_size": self.ledger_size,
            "complete": self.complete,
            "mandatory": sum(1 for r in self.rows if r.mandatory),
            "satisfied": sum(1 for r in self.rows if r.satisfied),
            "missing_mandatory": [r.requirement.id for r in self.missing_mandatory],
            "requirements": [r.to_dict() for r in self.rows],
        }


def _one(facts: Facts, item: str) -> Evidence:
    alternatives = item.split("|")
    found = [ev.check(facts, name) for name in alternatives]
    for e in found:
        if e.present:
            return e
    if len(found) == 1:
        return found[0]
    return Evidence(item, False, " or ".join(e.detail for e in found))


def check_pack(facts: Facts, pack: Pack) -> Coverage:
    """The coverage matrix of ``pack`` over gathered facts."""
    tier = facts.row.risk_tier
    rows = tuple(
        Row(req, req.mandatory_for(tier), tuple(_one(facts, item) for item in req.evidence))
        for req in pack.requirements
    )
    return Coverage(facts.ref, tier, pack, rows, facts.head.size)


def incomplete(
    facts: Facts, coverages: Sequence[Coverage], hint: str = ""
) -> CoverageIncomplete | None:
    """The refusal naming every requirement mandatory for the version's tier that lacks
    evidence in ``coverages`` (None when there is none); ``hint`` is added to its hint."""
    gaps = [(c, r) for c in coverages for r in c.missing_mandatory]
    if not gaps:
        return None
    listed = "; ".join(
        f"{c.pack.short} {r.requirement.cite.removeprefix(c.pack.short).strip()}"
        f": {', '.join(r.missing)}"
        for c, r in gaps[:6]
    )
    more = f" (and {len(gaps) - 6} more)" if len(gaps) > 6 else ""
    return CoverageIncomplete(
        f"{len(gaps)} requirement(s) mandatory for tier {facts.row.risk_tier} lack "
        f"evidence: {listed}{more}",
        hint=f"see `govern coverage {facts.ref}`; narrative sections are recorded with "
        "`govern card narrative MODEL@V FILE`" + (f"; {hint}" if hint else ""),
    )


def coverage(reg: Registry, ref: str, pack: str = "sr11-7", facts: Facts | None = None) -> Coverage:
    """Which requirements of ``pack`` the ledger holds evidence for, for ``ref``."""
    return check_pack(facts or ev.gather(reg, ref), load(pack))
