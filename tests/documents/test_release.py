"""`govern release`: refused (each reason its own exit code, nothing written, nothing recorded)
or the documents, a signed checkpoint and a document.generated entry with their digests."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govern.documents.card import SECTIONS
from govern.registry import approvals, findings, models
from tests.documents.conftest import (
    NARRATIVE,
    THIN_NARRATIVE,
    Demo,
    govern,
    listing,
    ok,
    one_line_error,
    register_copy,
)
from tests.documents.test_card import pdf_text

RELEASED = sorted(
    [
        *(
            f"{doc}.{fmt}"
            for doc in ("card", "validation")
            for fmt in ("pdf", "html", "md", "json")
        ),
        "checkpoint.txt",
        "SHA256SUMS",
    ]
)


def _release(demo: Demo, out: Path, ref: str = "credit-risk@1"):  # type: ignore[no-untyped-def]
    return govern("--sign-with", demo.key_of("dan"), "release", ref, "-o", out, "--db", demo.db)


def _released(demo: Demo, out: Path) -> str:
    """`govern release credit-risk@1 -o OUT` as dan, which must succeed; its output."""
    return str(
        ok(
            "--sign-with",
            demo.key_of("dan"),
            "release",
            "credit-risk@1",
            "-o",
            out,
            "--db",
            demo.db,
        )
    )


def _refused(
    demo: Demo,
    tmp_path: Path,
    code: int,
    *words: str,
    ref: str = "credit-risk@1",
    existing: bool = False,
) -> None:
    """Release is refused with ``code``: DIR stays absent (or empty), the ledger unchanged."""
    out = tmp_path / "release"
    if existing:
        out.mkdir()
    parent = listing(tmp_path)
    before = demo.size
    one_line_error(_release(demo, out, ref), code, *words)
    assert listing(out) == []
    assert out.exists() == existing
    assert listing(tmp_path) == parent  # no half-written temporary folder either
    assert demo.size == before


def test_refuses_an_unapproved_version(demo: Demo, tmp_path: Path) -> None:
    with demo.open() as reg:
        ref = register_copy(reg, "challenger", holdout=True)
    _refused(
        demo,
        tmp_path,
        31,
        f"{ref} is not approved",
        "missing sign-off: validator, approver",
        ref=ref,
    )


def test_refuses_a_lapsed_approval(demo: Demo, tmp_path: Path) -> None:
    demo.narrate(tmp_path)  # coverage is complete: only the lapse stands in the way
    expires = datetime.now(UTC) + timedelta(seconds=1.5)
    with demo.open("otto") as reg:
        approvals.approve(
            reg,
            "credit-risk@1",
            decision="approve",
            role="approver",
            key=demo.key_of("otto"),
            expires=expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.2)
    _refused(demo, tmp_path, 32, "the approval of credit-risk@1 lapsed", existing=True)


def test_refuses_an_open_high_finding(demo: Demo, tmp_path: Path) -> None:
    demo.narrate(tmp_path)
    with demo.open("vera") as reg:
        findings.raise_finding(
            reg,
            "credit-risk@1",
            severity="high",
            text="Reason codes not tested against declined applicants",
        )
    _refused(
        demo,
        tmp_path,
        33,
        "open high-severity finding (#2: Reason codes not tested against declined applicants)",
    )


def test_a_low_finding_does_not_block(demo: Demo, tmp_path: Path) -> None:
    demo.narrate(tmp_path)
    with demo.open("vera") as reg:
        findings.raise_finding(reg, "credit-risk@1", severity="low", text="Typo in the card")
    result = _release(demo, tmp_path / "release")
    assert result.exit_code == 0, result.stderr


def test_refuses_incomplete_coverage(demo: Demo, tmp_path: Path) -> None:
    demo.narrate(tmp_path, THIN_NARRATIVE)  # methodology, materiality, monitoring plan... missing
    _refused(
        demo, tmp_path, 34, "mandatory for tier high lack evidence", "SR 11-7 IV (theory and logic)"
    )
    result = govern("coverage", "credit-risk@1", "--db", demo.db)
    assert result.exit_code == 0 and "MISSING" in result.stdout


def test_release_writes_and_records_the_documents(demo: Demo, tmp_path: Path) -> None:
    narrative = demo.narrate(tmp_path)
    version = f"1.{demo.issued() + 1}"
    before = demo.size
    out = tmp_path / "release"
    printed = ok(
        "--sign-with", demo.key_of("dan"), "release", "credit-risk@1", "-o", out, "--db", demo.db
    )
    assert listing(out) == RELEASED
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    # One entry was recorded, and it holds the digest of every file written.
    assert demo.size == before + 1
    entry = demo.latest("document.generated", "document:credit-risk@1")
    assert entry.seq == before and entry.actor == "dan"
    p = entry.payload
    digests = {f["name"]: f["sha256"] for f in p["files"]}
    assert sorted(digests) == RELEASED
    for name, digest in digests.items():
        data = (out / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        assert f"{digest}  {name}" in printed
    sums = (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert sums == [f"{digests[n]}  {n}" for n in digests if n != "SHA256SUMS"]
    assert p["model"] == "credit-risk@1" and p["card_version"] == version
    assert p["ledger"]["size"] == before and p["checkpoint"]["size"] == before
    assert all(c["complete"] for c in p["coverage"].values())

    # The checkpoint is signed by the log key over the state the documents describe, and the
    # ledger (grown by the document.generated entry) is an append-only extension of it.
    note = (out / "checkpoint.txt").read_text(encoding="utf-8")
    with demo.open() as reg:
        cp = reg.ledger.open_checkpoint(note)
    assert cp.size == before
    verified = ok("verify", "--checkpoint", out / "checkpoint.txt", "--db", demo.db)
    assert f"append-only extension of your checkpoint (size {before})" in verified

    # The documents describe that state and say they were released.
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card["govern"]["released"] is True
    assert card["govern"]["ledger"] == {
        **card["govern"]["ledger"],
        "size": before,
        "root": p["ledger"]["root"],
    }
    assert card["govern"]["key_fields"]["narrative sha256"] == narrative.payload["sha256"]
    md = (out / "card.md").read_text(encoding="utf-8")
    assert f"| Card version | {version} |" in md and "(preview)" not in md
    flat = pdf_text(out / "card.pdf")
    assert all(f"{n}. {t}" in flat for n, _k, t in SECTIONS)
    assert "Findings register" in pdf_text(out / "validation.pdf")


def test_the_next_card_shows_what_changed_since_the_release(demo: Demo, tmp_path: Path) -> None:
    demo.narrate(tmp_path)
    _released(demo, tmp_path / "r1")
    issued = demo.latest("document.generated", "document:credit-risk@1")
    n = demo.issued()
    demo.narrate(
        tmp_path,
        NARRATIVE + "\n## Fairness\nApproval rates by age band differ by 4 points at most.\n",
    )
    md = ok("card", "credit-risk@1", "--db", demo.db)
    assert f"| Card version | 1.{n + 1} (preview) |" in md
    control = md.split("## 0. Document control")[1].split("## 1. ")[0]
    assert "### Changes since the previous card" in control
    assert "| narrative sha256 |" in control
    assert f"card 1.{n} of credit-risk@1, issued in ledger entry {issued.seq}" in control
    # A second release into a fresh folder issues card 1.2; into the old one it is refused.
    before = demo.size
    one_line_error(_release(demo, tmp_path / "r1"), 3, "already exists")
    assert demo.size == before
    _released(demo, tmp_path / "r2")
    assert demo.latest("document.generated").payload["card_version"] == f"1.{n + 1}"


@pytest.mark.parametrize("existing", [False, True])
def test_refusal_leaves_an_existing_empty_folder_empty(
    demo: Demo, tmp_path: Path, existing: bool
) -> None:
    demo.narrate(tmp_path, THIN_NARRATIVE)
    _refused(demo, tmp_path, 34, "lack evidence", existing=existing)


def test_refuses_a_changed_artifact(demo: Demo, tmp_path: Path) -> None:
    """A preview card says "not recorded" where the artifact cannot be loaded; a release stops."""
    demo.narrate(tmp_path)
    with demo.open() as reg:
        sha = models.entry_of(reg, "credit-risk@1").payload["artifact"]["sha256"]
    art = demo.folder / "registry.artifacts" / "sha256" / sha[:2] / sha
    art.chmod(0o644)
    art.write_bytes(art.read_bytes() + b"\0")
    _refused(demo, tmp_path, 19, "no longer matches its digest")
    md = ok("card", "credit-risk@1", "--db", demo.db)
    assert "*Not recorded:* hyperparameters" in md


def test_a_rerun_at_the_same_state_is_the_same_release(demo: Demo, tmp_path: Path) -> None:
    """Nothing but the release appended since: a re-run issues no new card version, writes no
    files, records nothing, and prints the released files' digests; any new entry makes the
    next release a new card version."""
    demo.narrate(tmp_path)
    _released(demo, tmp_path / "r1")
    first = demo.latest("document.generated", "document:credit-risk@1")
    sums = (tmp_path / "r1" / "SHA256SUMS").read_text()
    before = demo.size
    again = _released(demo, tmp_path / "r2")
    assert f"was released in entry {first.seq} at this same ledger state" in again
    assert demo.size == before and not (tmp_path / "r2").exists()
    for line in sums.splitlines():  # the same digests, as recorded
        assert line in again
    # a new entry: the next release is a new card version
    demo.narrate(tmp_path, NARRATIVE + "\n## Fairness\nRates by age band within 4 points.\n")
    _released(demo, tmp_path / "r3")
    later = demo.latest("document.generated", "document:credit-risk@1")
    assert later.seq > first.seq
    assert later.payload["card_version"] != first.payload["card_version"]
