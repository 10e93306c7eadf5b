"""`govern demo`: the whole story, end to end, on the German credit data.

At this stage the story is the ledger's: a registry is created, events are appended (the German
credit data set registered by its digest among them), a checkpoint is signed and the log is
verified against it. Later stages grow it into the full model-governance story.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from govern.errors import BadInput
from govern.ledger import Ledger, verify_ledger
from govern.ledger.logkey import load_key
from govern.registry.bootstrap import init_registry

ORIGIN = "demo.example/govern/credit-models"


def german_credit_path() -> Path:
    """The bundled UCI Statlog German Credit data (CC BY 4.0, Hofmann 1994)."""
    return Path(__file__).parent / "data" / "germancredit.csv"


@dataclass
class DemoResult:
    directory: Path
    db: Path
    log_key: Path
    checkpoint: Path
    entries: int
    root_b64: str
    artifacts: dict[str, Path] = field(default_factory=dict)


def run_demo(directory: Path) -> DemoResult:
    """Run the demo into ``directory`` (created; must be empty or absent)."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BadInput(
            f"the demo folder {directory} is not empty",
            hint="give `govern demo` a new or empty folder",
        )
    db = directory / "registry.db"
    init = init_registry(str(db), ORIGIN, admin="ada")
    data = german_credit_path()
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    with Ledger.open(init.url) as ledger:
        ledger.append(
            "dataset.registered",
            {
                "subject": "dataset:german-credit@1",
                "name": "german-credit",
                "version": 1,
                "sha256": digest,
                "source": "UCI Statlog German Credit (CC BY 4.0, Hofmann 1994)",
                "rows": sum(1 for _ in data.open(encoding="utf-8")) - 1,
            },
            actor="ada",
        )
        ledger.append_batch(
            ("note.recorded", {"subject": f"note:{i}", "text": f"demo event {i}"}, "ada")
            for i in range(8)
        )
        note_text = ledger.sign_checkpoint(load_key(init.key_path))
        checkpoint = directory / "checkpoint.txt"
        checkpoint.write_text(note_text, encoding="utf-8")
        report = verify_ledger(ledger, checkpoint=note_text)
    return DemoResult(
        directory=directory,
        db=db,
        log_key=init.key_path,
        checkpoint=checkpoint,
        entries=report.size,
        root_b64=base64.b64encode(report.root).decode(),
        artifacts={"registry": db, "log key": init.key_path, "checkpoint": checkpoint},
    )
