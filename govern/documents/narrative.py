"""Narrative: the sections of a document that people write, recorded in the ledger.

A narrative is a Markdown file whose ``## Heading`` lines name document sections (docs/documents.md,
"The narrative file"). The model owner writes the card's (``card.narrative``); the validator
writes the validation report's (``validation.narrative``). Each recorded version keeps the whole
text and its SHA-256, so a document can say exactly which text it shows and who recorded it.
Generated sections never come from here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from govern.errors import BadInput, PolicyViolation
from govern.ledger import Entry
from govern.records import CardNarrative, NarrativeRecorded, ValidationNarrative
from govern.registry import models, people

if TYPE_CHECKING:
    from govern.registry.core import Registry

Kind = Literal["card.narrative", "validation.narrative"]
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class SectionSpec:
    """A heading a narrative may use: its key, title, other accepted titles, where it shows."""

    key: str
    title: str
    aliases: tuple[str, ...]
    shown_in: str  # the document section it fills
    asks: str  # what the section should say


CARD_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "purpose",
        "Purpose",
        ("Purpose and intended use",),
        "2",
        "the decisions the model supports and how",
    ),
    SectionSpec(
        "users", "Intended users", ("Users",), "1, 2", "who uses the output (teams, roles)"
    ),
    SectionSpec(
        "out_of_scope",
        "Out-of-scope uses",
        ("Restrictions",),
        "2",
        "uses the model must not be put to",
    ),
    SectionSpec(
        "sourcing",
        "Sourcing",
        ("In-house or vendor", "Vendor"),
        "1",
        "built in-house or bought; for a vendor model, how it is understood",
    ),
    SectionSpec(
        "dependencies",
        "Dependencies",
        ("Upstream models",),
        "1",
        "upstream models, data feeds and systems the model depends on",
    ),
    SectionSpec(
        "materiality",
        "Materiality",
        ("Exposure",),
        "3",
        "exposure (amounts, volumes) and purpose behind the risk tier",
    ),
    SectionSpec(
        "methodology",
        "Methodology",
        ("Design choices",),
        "4",
        "design choices and the alternatives considered",
    ),
    SectionSpec(
        "data",
        "Data",
        ("Data exclusions",),
        "5",
        "selection, exclusions, labelling and cleaning of the data",
    ),
    SectionSpec(
        "features",
        "Feature review",
        ("Prohibited-basis review",),
        "6",
        "prohibited-basis and proxy review of the features",
    ),
    SectionSpec(
        "benchmarking",
        "Benchmarking",
        (),
        "7",
        "benchmarks the model was compared with, if not registered challengers",
    ),
    SectionSpec(
        "fairness",
        "Fairness",
        (),
        "9",
        "outcome and error-rate disparity across the groups the bank designates",
    ),
    SectionSpec("assumptions", "Assumptions", ("Key assumptions",), "10", "the key assumptions"),
    SectionSpec(
        "limitations",
        "Limitations",
        (),
        "10",
        "known limitations, beyond those recorded at registration",
    ),
    SectionSpec(
        "controls", "Compensating controls", (), "10", "controls that offset the limitations"
    ),
    SectionSpec(
        "use",
        "Use and overrides",
        ("Overrides", "Override policy"),
        "12",
        "how the output is used, and the override policy",
    ),
    SectionSpec(
        "monitoring",
        "Monitoring plan",
        ("Monitoring",),
        "13",
        "metrics, thresholds, frequency and revalidation triggers",
    ),
    SectionSpec(
        "standards",
        "Standards",
        ("Standards applied",),
        "15",
        "standards and internal policies applied",
    ),
)

VALIDATION_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "scope",
        "Scope and independence",
        ("Scope",),
        "scope",
        "what was validated, by whom, and their independence",
    ),
    SectionSpec("rating", "Rating", (), "conclusion", "the validator's rating of the model"),
    SectionSpec(
        "conclusion", "Conclusion", (), "conclusion", "the validator's conclusion in words"
    ),
    SectionSpec(
        "soundness",
        "Conceptual soundness",
        (),
        "soundness",
        "assessment of design, theory and assumptions",
    ),
    SectionSpec(
        "replication",
        "Replication",
        (),
        "replication",
        "what was replicated beyond govern's recomputation",
    ),
    SectionSpec(
        "benchmarking", "Benchmarking", (), "benchmarking", "benchmarks used and the comparison"
    ),
    SectionSpec(
        "outcomes",
        "Outcomes analysis",
        ("Back-testing",),
        "outcomes",
        "outcomes analysis and back-testing",
    ),
    SectionSpec(
        "monitoring",
        "Monitoring adequacy",
        ("Monitoring",),
        "monitoring",
        "whether the monitoring plan is adequate",
    ),
    SectionSpec(
        "challenge",
        "Effective challenge",
        (),
        "challenge",
        "questions raised, answers given and changes made",
    ),
)

SPECS: Mapping[Kind, tuple[SectionSpec, ...]] = {
    "card.narrative": CARD_SECTIONS,
    "validation.narrative": VALIDATION_SECTIONS,
}
SUBJECT_PREFIX: Mapping[Kind, str] = {
    "card.narrative": "card-narrative",
    "validation.narrative": "validation-narrative",
}
RECORDS: Mapping[Kind, type[NarrativeRecorded]] = {
    "card.narrative": CardNarrative,
    "validation.narrative": ValidationNarrative,
}

_IMAGE_TEXT = re.compile(r"!\[[^\]]*\]\(\s*<?([^\s)>]*)")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Narrative:
    """A recorded narrative: its sections (key -> Markdown) and the entry that holds it."""

    kind: Kind
    model: str
    sections: Mapping[str, str]
    sha256: str
    file: str | None
    seq: int
    leaf: str
    ts: str
    actor: str

    def get(self, key: str) -> str | None:
        return self.sections.get(key)


def _norm(title: str) -> str:
    return " ".join(title.replace("_", " ").replace("-", " ").lower().split())


def _lookup(specs: tuple[SectionSpec, ...]) -> dict[str, SectionSpec]:
    table: dict[str, SectionSpec] = {}
    for spec in specs:
        for name in (spec.title, *spec.aliases, spec.key):
            table[_norm(name)] = spec
    return table


def parse(text: str, kind: Kind = "card.narrative") -> dict[str, str]:
    """The sections of a narrative (key -> Markdown text, stripped), in file order.

    BadInput for text before the first ``##`` heading (other than a ``#`` title), an unknown
    or repeated heading, or an empty section.
    """
    specs = SPECS[kind]
    known = _lookup(specs)
    sections: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    current: str | None = None
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        fenced = _FENCE.match(line)
        if fenced is not None:
            marker = fenced.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
        heading = _HEADING.match(line) if fence is None and not fenced else None
        if heading is not None and len(heading.group(1)) <= 2:
            level, title = len(heading.group(1)), heading.group(2)
            if level == 1:
                if current is None and not sections:
                    continue  # the document's title
                raise BadInput(
                    f"line {number}: a '# {title}' heading inside the narrative; sections are "
                    "'## Heading' and sub-headings '### ...'"
                )
            spec = known.get(_norm(title))
            if spec is None:
                raise BadInput(
                    f"line {number}: '## {title}' is not a section of the "
                    f"{'model card' if kind == 'card.narrative' else 'validation report'}",
                    hint="use one of: " + ", ".join(s.title for s in specs),
                )
            if spec.key in sections:
                raise BadInput(
                    f"line {number}: the section '{spec.title}' appears twice "
                    f"(first as '## {titles[spec.key]}')"
                )
            sections[spec.key] = []
            titles[spec.key] = title
            current = spec.key
            continue
        if current is None:
            if line.strip():
                raise BadInput(
                    f"line {number}: text before the first '## Heading'; every paragraph "
                    "belongs to a section",
                    hint="start the file with '## Purpose' (or another section heading)",
                )
            continue
        sections[current].append(line)
    if fence is not None:
        raise BadInput("a code block (```) is never closed")
    out = {key: "\n".join(lines).strip() for key, lines in sections.items()}
    empty = [titles[k] for k, v in out.items() if not v]
    if empty:
        raise BadInput(
            f"the section '## {empty[0]}' is empty",
            hint="write what it should say, or leave the heading out (the document then says "
            '"not recorded")',
        )
    if not out:
        raise BadInput(
            "the narrative has no '## Heading' sections",
            hint="use headings such as: " + ", ".join(s.title for s in specs[:4]),
        )
    return out


def read_file(path: Path) -> tuple[str, str]:
    """The text of a narrative file and the SHA-256 of its bytes."""
    try:
        with path.open("rb") as f:  # at most one byte past the limit, whatever the file is
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"cannot read the narrative file {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise BadInput(f"the narrative file {path} is over {MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"the narrative file {path} is not UTF-8 text") from exc
    return text, hashlib.sha256(raw).hexdigest()


def refuse_images(text: str, path: Path | None = None) -> None:
    """BadInput for a Markdown image: a document shows only what govern generates and the text
    people wrote, and fetches nothing (docs/documents.md, "The narrative file"). Links are
    allowed: documents print them as their text and URL, never fetched."""
    from markdown_it import MarkdownIt

    for block in MarkdownIt("commonmark", {"html": False}).enable("table").parse(text):
        for token in block.children or ():
            # markdown-it leaves an image with a refused address (file:, javascript:) as text
            refused = _IMAGE_TEXT.search(token.content) if token.type == "text" else None
            if token.type == "image" or refused is not None:
                line = block.map[0] + 1 if block.map else 0
                src = refused.group(1) if refused else str(token.attrGet("src") or "")
                where = f"{path.name}, line {line}" if path is not None else f"line {line}"
                raise BadInput(
                    f"{where}: an image ({src or 'no address'}) in the narrative; a document "
                    "embeds nothing a narrative points to",
                    hint="describe the figure in words, or link to it as [text](URL): the link "
                    "is printed as its text and address, never fetched",
                )


def record(reg: Registry, ref: str, path: Path, kind: Kind = "card.narrative") -> Entry:
    """Check and record a narrative file for a model version (a new version of its text).

    The card's narrative is recorded by the model's owner or the developer who registered it;
    the validation report's by an active validator (it is their statement).
    """
    row = models.resolve(reg, ref)
    model = row.ref
    text, digest = read_file(path)
    sections = parse(text, kind)
    refuse_images(text, path)
    if kind == "validation.narrative":
        people.require_active(reg, reg.actor, "validator")
    else:
        people.person(reg, reg.actor)
        if reg.actor not in (row.owner, row.registered_by):
            raise PolicyViolation(
                f"{reg.actor} may not record the card narrative of {model}: it is written by "
                f"its owner ({row.owner}) or the developer who registered it "
                f"({row.registered_by})",
                hint=f"run it as {row.owner}: govern --as {row.owner} card narrative ...",
            )
    return reg.record(
        RECORDS[kind](
            subject=f"{SUBJECT_PREFIX[kind]}:{model}",
            model=model,
            model_entry=row.leaf,
            file=path.name,
            sha256=digest,
            sections=tuple(sections),
            text=text,
        )
    )


def latest(reg: Registry, model: str, kind: Kind, *, stop: int | None = None) -> Narrative | None:
    """The latest narrative of ``kind`` recorded for ``model`` (``NAME@V``) before seq ``stop``."""
    subject = f"{SUBJECT_PREFIX[kind]}:{model}"
    for entry in reg.ledger.entries(
        subject=subject, kind=kind, stop=stop, newest_first=True, limit=1
    ):
        recorded = RECORDS[kind].from_entry(entry)
        text = recorded.text
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != recorded.sha256:
            raise BadInput(
                f"the narrative in entry {entry.seq} does not match its recorded SHA-256",
                hint="record the narrative file again",
            )
        return Narrative(
            kind=kind,
            model=model,
            sections=parse(text, kind),
            sha256=recorded.sha256,
            file=recorded.file,
            seq=entry.seq,
            leaf=entry.leaf.hex(),
            ts=entry.ts,
            actor=entry.actor,
        )
    return None


def title_of(key: str, kind: Kind = "card.narrative") -> str:
    for spec in SPECS[kind]:
        if spec.key == key:
            return spec.title
    raise KeyError(key)
