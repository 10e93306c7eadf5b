"""Finding a prediction's entries in the ledger, by its id (the indexed ``subject``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govern.errors import BadInput, DuplicatePrediction, NotFound, PolicyViolation
from govern.ledger import Entry
from govern.ledger.entry import now_ts
from govern.records import PredictionErased, PredictionLogged, PredictionOverridden
from govern.registry import people

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["ERASED", "LOGGED", "OVERRIDDEN", "events", "logged", "logged_entry", "require_person"]

LOGGED = PredictionLogged.KIND
ERASED = PredictionErased.KIND
OVERRIDDEN = PredictionOverridden.KIND
KINDS = (LOGGED, ERASED, OVERRIDDEN)


def events(reg: Registry, prediction_id: str) -> list[Entry]:
    """Every prediction entry about ``prediction_id`` (logged, erased, overridden), in order:
    the entries whose bytes carry that id (``Ledger.checked``). Two logged entries for one id
    are refused (the append refuses them; verify fails on them)."""
    if not isinstance(prediction_id, str) or not prediction_id:
        raise BadInput("give the id of a logged prediction")
    found = reg.ledger.checked(subject=prediction_id, kinds=KINDS)
    logged = [e.seq for e in found if e.kind == LOGGED]
    if len(logged) > 1:
        raise DuplicatePrediction(
            f"the ledger holds {len(logged)} predictions with id {prediction_id!r} (entries "
            f"{', '.join(map(str, logged))}): an id must name one decision",
            hint="run `govern verify`: the log has been written around its own checks",
        )
    return found


def logged_entry(found: list[Entry], prediction_id: str) -> Entry:
    """The ``prediction.logged`` entry among ``found``; NotFound if there is none."""
    for entry in found:
        if entry.kind == LOGGED:
            return entry
    raise NotFound(
        f"no prediction with id {prediction_id!r} is logged in this registry",
        hint="check the id (as given to `govern score --id-col`, or as returned when it was "
        "generated) and the --db",
    )


def logged(found: list[Entry], prediction_id: str) -> tuple[Entry, PredictionLogged]:
    """The ``prediction.logged`` entry among ``found`` and its record; NotFound if none."""
    entry = logged_entry(found, prediction_id)
    return entry, PredictionLogged.from_entry(entry)


def require_person(reg: Registry, what: str) -> None:
    """The acting person must be enrolled, with a key neither revoked nor expired."""
    row = people.person(reg, reg.actor)
    at = now_ts()
    if (row.revoked_at is not None and row.revoked_at <= at) or (
        row.valid_until is not None and row.valid_until < at
    ):
        raise PolicyViolation(
            f"{reg.actor}'s enrolment is no longer valid: they may not {what}",
            hint="an administrator can enrol them again",
        )
