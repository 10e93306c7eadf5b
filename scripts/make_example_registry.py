"""Regenerate registry.db.example: a small registry that verifies clean.

    python scripts/make_example_registry.py [registry.db.example]

It holds the log's first entries (the administrator's own enrolment, signed with her key), a
developer enrolled by her, the German credit data set registered by its digest and signed by
him, a few events of a kind govern does not define, and a signed checkpoint. The keys are thrown
away: the example is for reading and verifying (`govern verify --db registry.db.example`), not
for appending. (A ledger written before signatures were required is kept for the tests in
tests/vectors/registry-before-signatures.db.)
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govern.ledger import Ledger, load_key  # noqa: E402
from govern.registry import Registry, catalog, init_registry, people  # noqa: E402
from govern.registry.sshsig import new_keypair  # noqa: E402

ORIGIN = "example.bank/govern/credit-models"


def main(out: Path) -> None:
    if out.exists():
        out.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "registry.db"
        init = init_registry(str(db), ORIGIN, key_path=Path(tmp) / "log.key", admin="ada")
        assert init.admin_key is not None
        data = ROOT / "govern" / "data" / "germancredit.csv"
        dan = Path(tmp) / "dan_ed25519"
        with Registry.open(str(db), key=init.admin_key, artifacts=Path(tmp) / "artifacts") as reg:
            people.enroll(reg, "dan", ["developer"], new_keypair(dan, comment="dan").openssh())
            reg.use_key(dan)
            catalog.add_dataset(
                reg,
                data,
                name="german-credit",
                target="creditability",
                source="UCI Statlog German Credit (CC BY 4.0, Hofmann 1994)",
            )
        with Ledger.open(init.url) as ledger:
            ledger.append_batch(
                ("note.recorded", {"subject": f"note:{i}", "text": f"example event {i}"}, "dan")
                for i in range(3)
            )
            ledger.sign_checkpoint(load_key(init.key_path))
        with Registry.open(str(db), readonly=True) as reg:
            reg.verify()
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
