"""Small helpers shared by the provenance tests."""

from __future__ import annotations

from sqlalchemy import func, select

from govern.provenance import inputs
from govern.registry import Registry


def stored_inputs(reg: Registry) -> int:
    with reg.ledger.engine.connect() as conn:
        if not inputs.present(conn):
            return 0
        return int(conn.execute(select(func.count()).select_from(inputs.table)).scalar_one())


def state(reg: Registry) -> tuple[int, int]:
    """What a refused call must leave unchanged: ledger size and stored inputs."""
    return reg.ledger.size, stored_inputs(reg)
