"""The model inventory (SR 11-7 section VI): one row per model version."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from govern.registry import models
from govern.registry.status import status

if TYPE_CHECKING:
    from govern.registry.core import Registry


@dataclass(frozen=True)
class InventoryRow:
    name: str
    version: int
    tier: str
    owner: str
    status: str
    approvals: str
    last_validation: str | None
    next_review_due: str | None
    open_findings: int
    artifact_sha256: str
    code_commit: str | None
    deployed_in: str
    stale: str = ""  # what the approval pinned that changed since (status "approval stale")
    flags: str = ""  # what to look at that does not stop the model, each with its date
    monitoring: str = ""  # the latest recorded monitoring status and date, or "none"; overdue

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def inventory(reg: Registry, as_of: str | None = None) -> list[InventoryRow]:
    rows = []
    for m in models.versions(reg):
        if as_of is not None and m.ts > as_of:
            continue
        st = status(reg, m.ref, as_of)
        validations = [s.signed_at for s in st.signoffs if s.role == "validator"]
        rows.append(
            InventoryRow(
                name=m.name,
                version=m.version,
                tier=m.risk_tier,
                owner=m.owner,
                status=st.status,
                approvals="; ".join(
                    f"{s.role} {s.decision} by {s.signer} {s.signed_at[:10]}"
                    + ("" if s.in_force else " (not in force)")
                    for s in st.signoffs
                ),
                last_validation=max(validations)[:10] if validations else None,
                next_review_due=st.next_review_due[:10] if st.next_review_due else None,
                open_findings=len(st.open_findings),
                artifact_sha256=m.artifact.sha256,
                code_commit=m.record.code.commit,
                deployed_in=", ".join(st.deployed_in),
                stale="; ".join(f"{c.item} (entry {c.entry})" for c in st.stale)
                + (f"; overridden (entry {st.overridden_by})" if st.overridden_by else ""),
                flags="; ".join(f"{f.kind} {f.date[:10]}" for f in st.flags),
                monitoring=_monitoring(st),
            )
        )
    return rows


def _monitoring(st: Any) -> str:
    m = st.monitoring
    if m is None:
        return ""
    text = "none" if m.last_status is None else f"{m.last_status} {m.last_at[:10]}"
    return text + (" (overdue)" if m.overdue and st.deployed_in else "")
