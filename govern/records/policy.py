"""The governance policy as recorded (``govern policy set``; docs/registry.md, "Policy").

The policy document is kept as recorded; ``govern.registry.policy`` reads it into a ``Policy``
with the defaults for settings an older policy does not name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govern.records._codec import JSON, optional
from govern.records.base import Record


@dataclass(frozen=True)
class PolicySet(Record, kind="policy.set", purpose="policy", action="set-policy"):
    subject: str
    policy: Mapping[str, JSON]
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
