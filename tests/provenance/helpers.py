"""Small helpers shared by the provenance tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from govern.provenance import inputs
from govern.registry import Registry, people
from govern.registry.sshsig import new_keypair


def stored_inputs(reg: Registry) -> int:
    with reg.ledger.engine.connect() as conn:
        if not inputs.present(conn):
            return 0
        return int(conn.execute(select(func.count()).select_from(inputs.table)).scalar_one())


def state(reg: Registry) -> tuple[int, int]:
    """What a refused call must leave unchanged: ledger size and stored inputs."""
    return reg.ledger.size, stored_inputs(reg)


#: The reason a privacy officer gives for erasing within the retention period, in the tests.
OVERRIDE = "the applicant withdrew before any notice of action (counsel opinion 2026-31)"


def as_privacy_officer(reg: Registry, folder: Path) -> Path:
    """Act as the bank's privacy officer, priya: enrolled (once per registry copy) by the
    administrator the registry acts as when first called; her key is kept in ``folder``."""
    key = folder / "priya_ed25519"
    if not key.exists():
        public = new_keypair(key, comment="priya")
        people.enroll(reg, "priya", ["privacy-officer"], public.openssh())
    reg.use_key(key)
    return key
