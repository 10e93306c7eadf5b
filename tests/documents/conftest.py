"""The German credit demo registry, built once per session and copied for each test.

The demo grows (the integrator adds steps to run_demo): tests read entry numbers and sizes from
the ledger instead of assuming them.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from govern.cli.main import app
from govern.demo import run_demo
from govern.documents import narrative
from govern.ledger import Entry
from govern.registry import Registry, models
from govern.registry.codeversion import given

NARRATIVE = """# credit-risk narrative

## Purpose
Supports the retail credit officer's approve / decline decision on consumer loans.

## Intended users
Retail credit officers and the credit policy team.

## Out-of-scope uses
Business credit; pricing; collections.

## Sourcing
Built in-house by the retail credit modelling team.

## Dependencies
No upstream models; the application form and the bureau extract.

## Materiality
About 12,000 applications a year, EUR 60m of new lending: high exposure, hence tier high.

## Methodology
Logistic regression on one-hot categoricals and scaled numbers; a gradient-boosted model was
considered and rejected for explainability.

## Assumptions
Applicants of the 1970s behave like today's within each attribute.

## Use and overrides
Scores below the threshold are referred to a credit officer, who may override with a reason.

## Monitoring plan
Monthly PSI of the score (alert above 0.1) and quarterly ROC AUC on matured loans (floor 0.75);
revalidate on a breach or a material change.

## Benchmarking
Compared with the bank's scorecard in use: ROC AUC 0.79 on the same holdout.

## Feature review
personal_status_and_sex and foreign_worker were reviewed as prohibited bases; a version without
them is in development.
"""

#: A card narrative with only a purpose: recorded as the latest version, it leaves the
#: narrative-backed requirements (methodology, materiality, monitoring plan...) without evidence,
#: whatever narrative the demo itself records.
THIN_NARRATIVE = "## Purpose\nScores retail credit applicants.\n"


@dataclass
class Demo:
    folder: Path
    db: Path

    def key_of(self, name: str) -> Path:
        """A demo person's private key (the administrator's is beside the registry)."""
        if name == "ada":
            return self.folder / "ada_ed25519"
        return self.folder / "keys" / f"{name}_ed25519"

    def open(self, actor: str = "dan") -> Registry:
        """The demo registry, signing as ``actor`` with their key."""
        return Registry.open(str(self.db), key=self.key_of(actor))

    @property
    def key(self) -> Path:
        return self.db.with_suffix(".key")

    @property
    def size(self) -> int:
        with self.open() as reg:
            return reg.ledger.size

    def latest(self, kind: str, subject: str | None = None) -> Entry:
        """The newest entry of ``kind`` (about ``subject``)."""
        with self.open() as reg:
            found = list(reg.ledger.entries(kind=kind, subject=subject, newest_first=True, limit=1))
        assert found, f"no {kind} entry"
        return found[0]

    def issued(self, ref: str = "credit-risk@1") -> int:
        """How many cards of ``ref`` were issued (document.generated entries)."""
        with self.open() as reg:
            return sum(
                1
                for e in reg.ledger.entries(kind="document.generated")
                if e.payload.get("model") == ref
            )

    def narrate(self, tmp_path: Path, text: str = NARRATIVE, ref: str = "credit-risk@1") -> Entry:
        """Record ``text`` as the card narrative of ``ref`` (as dan, its owner)."""
        path = tmp_path / f"narrative-{hashlib.sha256(text.encode()).hexdigest()[:12]}.md"
        path.write_text(text, encoding="utf-8")
        with self.open("dan") as reg:
            return narrative.record(reg, ref, path, "card.narrative")


runner = CliRunner()


def govern(*args: str | Path) -> Result:
    """Run the govern CLI in-process (typer's CliRunner), stdout and stderr kept apart."""
    return runner.invoke(app, [str(a) for a in args])


def ok(*args: str | Path) -> str:
    result = govern(*args)
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result.stdout


def one_line_error(result: Result, code: int, *words: str) -> None:
    """The command failed with ``code``: one ``error:`` line (and a ``hint:``), no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and all(w in lines[0] for w in words), lines
    assert all(line.startswith("hint: ") for line in lines[1:]), lines
    assert "Traceback" not in result.output + result.stderr


def listing(folder: Path) -> Sequence[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOVERN_DB", "GOVERN_USER", "GOVERN_LOG_KEY", "GOVERN_ARTIFACTS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo registry (German credit, credit-risk@1 approved and deployed), built once."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    run_demo(folder)
    return folder


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path) -> Iterator[Demo]:
    """A private copy of the demo registry for one test."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_master, folder)
    yield Demo(folder, folder / "registry.db")


def register_copy(
    reg: Registry, name: str, *, holdout: bool, threshold: float = 0.5, tier: str = "high"
) -> str:
    """Register credit-risk@1's estimator again, under ``name``, with or without holdout data."""
    model = models.load(reg, "credit-risk@1")
    mv = models.register_model(
        reg,
        model,
        name=name,
        training_data=["german-train@1"],
        validation_data=["german-holdout@1"] if holdout else [],
        target="creditability",
        intended_use="Retail credit decisions (a test registration).",
        owner="dan",
        risk_tier=tier,
        positive_label="good",
        favorable_label="good",
        threshold=threshold,
        code=given(
            "0123456789abcdef0123456789abcdef01234567", "https://git.example/credit.git", "main"
        ),
    )
    return mv.ref
