"""`govern release`: issue a model version's documents, or refuse and write nothing.

The ledger is verified first. The release is refused (each reason its own exit code) if a
finding of high or another blocking severity is open, a required sign-off has lapsed, the
version is not approved, or a requirement mandatory for its tier lacks evidence in the chosen
regulation packs. Otherwise the card (PDF, HTML, Markdown, JSON), the validation report (the same
four), a checkpoint signed with the log key and a SHA256SUMS manifest are written to a fresh
directory, and a ``document.generated`` entry records their digests. A refused release leaves no
directory contents and no ledger entry.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern._version import __version__
from govern.documents import coverage as cov
from govern.documents import evidence as ev
from govern.documents.card import build_card, key_fields
from govern.documents.evidence import Facts
from govern.documents.validation import build_validation_report
from govern.errors import (
    ApprovalLapsed,
    BadInput,
    Conflict,
    NotApproved,
    OpenFinding,
)
from govern.ledger import Entry
from govern.ledger.entry import now_ts
from govern.ledger.logkey import load_key
from govern.presentation import check_template_dir
from govern.records import DocumentGenerated, LogState, PackCoverage, ReleasedFile, subjects
from govern.registry import models
from govern.registry.status import APPROVED, DEPLOYED, EXPIRED, REJECTED, STALE, status

if TYPE_CHECKING:
    from govern.registry.core import Registry

DOCUMENT_FORMATS = ("pdf", "html", "md", "json")


@dataclass(frozen=True)
class Release:
    """What a release wrote and the entry that records it."""

    model: str
    directory: Path
    card_version: str
    files: tuple[ReleasedFile, ...]
    entry: Entry
    checkpoint_size: int
    # True when the ledger is exactly as the latest release of this version left it: that
    # release stands, and nothing new is written or recorded (docs/documents.md, "Releasing")
    unchanged: bool = False


@dataclass(frozen=True)
class Checked:
    """A version that may be released: its facts and the coverage of each pack."""

    facts: Facts
    coverages: tuple[cov.Coverage, ...]
    status_now: str


def check(
    reg: Registry, ref: str, *, packs: Sequence[str] = cov.DEFAULT_PACKS, at: str | None = None
) -> Checked:
    """Every release rule, as of ``at`` (now by default); raises the first that fails."""
    now = at or now_ts()
    facts = ev.gather(reg, ref)
    current = status(reg, facts.ref, now)
    policy = reg.policy(now)
    blocking = [
        x
        for x in current.open_findings
        if x.severity == "high" or x.severity in policy.blocking_severities
    ]
    if blocking:
        x = blocking[0]
        raise OpenFinding(
            f"{facts.ref} has an open {x.severity}-severity finding (#{x.number}: {x.text}); "
            "it cannot be released",
            hint=f"the validator closes it with `govern finding close {facts.ref} {x.number} "
            "--resolution TEXT`",
        )
    if current.status == EXPIRED:
        lapsed = [s for s in current.signoffs if not s.in_force and s.decision != "reject"]
        when = min((s.expires for s in lapsed), default=None)
        raise ApprovalLapsed(
            f"the approval of {facts.ref} lapsed"
            + (f" on {when[:10]}" if when else "")
            + ": a required sign-off is no longer in force",
            hint="revalidate: the validator and approver sign again with `govern approve`",
        )
    # A stale approval does not stop a release: the card says it is stale, and deploy and
    # scoring refuse the version until it is signed again or overridden.
    if current.status not in (APPROVED, DEPLOYED, STALE):
        missing = [
            r
            for r in current.required_roles
            if not any(s.role == r and s.in_force for s in current.signoffs)
        ]
        why = (
            "it was rejected"
            if current.status == REJECTED
            else (
                f"it is {current.status}"
                + (f"; missing sign-off: {', '.join(missing)}" if missing else "")
            )
        )
        raise NotApproved(
            f"{facts.ref} is not approved ({why}); its documents cannot be released",
            hint="complete validation and approval (`govern approve`), then release again",
        )
    coverages = tuple(cov.check_pack(facts, cov.load(p)) for p in packs)
    gaps = cov.incomplete(facts, coverages)
    if gaps is not None:
        raise gaps
    return Checked(facts, coverages, current.status)


def _target(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BadInput(
            f"{directory} already exists and is not an empty directory",
            hint="release into a new (or empty) directory, e.g. one per tag",
        )
    if not directory.parent.exists():
        raise BadInput(
            f"the parent directory of {directory} does not exist",
            hint=f"create it first (mkdir -p {directory.parent})",
        )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _same_as_last(f: Any, packs: tuple[str, ...]) -> Any:
    """The latest release of this version, if nothing but it was appended since the state
    it described (and it covered the same packs): a re-run is then that release."""
    issued = [d for d in f.documents if d.record.model == f.ref]
    if not issued:
        return None
    last = issued[-1]
    if (
        last.entry.seq == f.head.size - 1
        and last.record.ledger.size == last.entry.seq
        and tuple(last.record.packs) == packs
    ):
        return last
    return None


def release(
    reg: Registry,
    ref: str,
    directory: Path,
    *,
    key_path: Path,
    packs: Sequence[str] = cov.DEFAULT_PACKS,
    template_dir: Path | None = None,
    at: str | None = None,
) -> Release:
    """Verify, check, then write the documents and a signed checkpoint to ``directory`` and
    record them; refused releases raise and write nothing."""
    directory = Path(directory)
    _target(directory)
    check_template_dir(template_dir)
    signer = load_key(key_path)
    for name in packs:
        cov.load(name)
    reg.verify()
    checked = check(reg, ref, packs=packs, at=at)
    f = checked.facts
    same = _same_as_last(f, tuple(c.pack.id for c in checked.coverages))
    if same is not None:
        r = same.record
        return Release(
            f.ref, directory, r.card_version, r.files, same.entry, r.checkpoint.size, True
        )
    # A preview card says "not recorded" where the artifact cannot be loaded; a released one
    # must not: a missing or changed artifact (exit 4 or 19) stops the release.
    models.load(reg, f.ref)
    card = build_card(reg, f.ref, template_dir=template_dir, released=True, facts=f)
    report = build_validation_report(reg, f.ref, template_dir=template_dir, facts=f)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        # mkdtemp makes the folder private (0700); the release is a normal folder (umask).
        os.chmod(tmp, 0o777 & ~_umask())
        files: list[ReleasedFile] = []
        for document, doc in (("card", card), ("validation", report)):
            for fmt in DOCUMENT_FORMATS:
                path = doc.write(tmp / f"{document}.{fmt}", fmt)  # type: ignore[arg-type]
                files.append(ReleasedFile(path.name, document, _digest(path), path.stat().st_size))
        if reg.ledger.head().size != f.head.size:
            raise Conflict(
                "the ledger grew while the documents were rendered; they would not describe "
                "its state",
                hint="run `govern release` again",
            )
        note = reg.ledger.sign_checkpoint(signer)
        cp = reg.ledger.open_checkpoint(note)
        if cp.size != f.head.size:
            raise Conflict(
                "the ledger grew while the checkpoint was signed", hint="run `govern release` again"
            )
        (tmp / "checkpoint.txt").write_text(note, encoding="utf-8")
        files.append(
            ReleasedFile(
                "checkpoint.txt",
                "checkpoint",
                _digest(tmp / "checkpoint.txt"),
                len(note.encode("utf-8")),
            )
        )
        sums = "".join(f"{x.sha256}  {x.name}\n" for x in files)
        (tmp / "SHA256SUMS").write_text(sums, encoding="utf-8")
        files.append(ReleasedFile("SHA256SUMS", "manifest", _digest(tmp / "SHA256SUMS"), len(sums)))
        card_version = str(card.data["govern"]["card_version"])
        entry = reg.record(
            DocumentGenerated(
                subject=subjects.document(f.ref),
                model=f.ref,
                model_entry=f.model_leaf,
                card_version=card_version,
                generator=f"govern {__version__}",
                ledger=LogState(size=f.head.size, root=f.root_b64),
                checkpoint=LogState(size=cp.size, root=base64.b64encode(cp.root).decode("ascii")),
                status=checked.status_now,
                packs=tuple(c.pack.id for c in checked.coverages),
                coverage={
                    c.pack.id: PackCoverage(
                        complete=c.complete,
                        missing=tuple(r.requirement.id for r in c.missing),
                    )
                    for c in checked.coverages
                },
                files=tuple(files),
                key_fields=key_fields(f),
            )
        )
        if directory.exists():
            directory.rmdir()
        os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Release(f.ref, directory, card_version, tuple(files), entry, cp.size)
