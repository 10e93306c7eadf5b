"""The erasable side of the registry: tables that hold what a lawful request may delete.

Nothing here is in the ledger, and no guard protects it: the ledger keeps only commitments to
these rows, so it stays valid after an erasure. ``govern init`` creates every table here
(docs/postgresql.md: the application role owns no table, so it could not create one later).
The code that reads and writes them lives with its users (``provenance/inputs.py``,
``registry/groups.py``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

__all__ = ["create", "groups", "inputs", "metadata"]

metadata = MetaData()

#: Each logged prediction's input row and salt, keyed by its ``prediction.logged`` entry's seq.
inputs = Table(
    "prediction_inputs",
    metadata,
    # INTEGER PRIMARY KEY on SQLite is the rowid itself: no second index to maintain.
    Column(
        "seq",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("salt", LargeBinary, nullable=False),
    Column("input_row", LargeBinary, nullable=False),
)


#: One designated attribute's value for one logged prediction, keyed by its id: a group file
#: (`govern groups add`, docs/fairness.md, "Group files"), never in the ledger.
groups = Table(
    "fairness_groups",
    metadata,
    Column("prediction_id", String, primary_key=True),
    Column("attribute", String, primary_key=True),
    Column("value", String, nullable=False),
)


def create(conn: Connection) -> None:
    """Create the erasable tables that do not exist yet."""
    metadata.create_all(conn, checkfirst=True)
