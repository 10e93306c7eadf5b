"""Regenerate registry.db.example: a small registry that verifies clean.

    python scripts/make_example_registry.py [registry.db.example]

It holds the log's first entries, the German credit data set registered by its digest, a few
events and a signed checkpoint. The log key is thrown away: the example is for reading and
verifying (`govern verify --db registry.db.example`), not for appending.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govern.ledger import Ledger, verify_ledger  # noqa: E402
from govern.ledger.logkey import load_key  # noqa: E402
from govern.registry.bootstrap import init_registry  # noqa: E402

ORIGIN = "example.bank/govern/credit-models"


def main(out: Path) -> None:
    if out.exists():
        out.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "registry.db"
        reg = init_registry(str(db), ORIGIN, key_path=Path(tmp) / "log.key", admin="ada")
        data = ROOT / "govern" / "data" / "germancredit.csv"
        with Ledger.open(reg.url) as ledger:
            ledger.append(
                "dataset.registered",
                {
                    "subject": "dataset:german-credit@1",
                    "name": "german-credit",
                    "version": 1,
                    "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
                    "source": "UCI Statlog German Credit (CC BY 4.0, Hofmann 1994)",
                },
                actor="ada",
            )
            ledger.append_batch(
                ("note.recorded", {"subject": f"note:{i}", "text": f"example event {i}"}, "ada")
                for i in range(5)
            )
            ledger.sign_checkpoint(load_key(reg.key_path))
            verify_ledger(ledger)
        # One self-contained file: fold the WAL back in and leave WAL mode.
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("VACUUM")
        conn.close()
        out.write_bytes(db.read_bytes())
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "registry.db.example")
