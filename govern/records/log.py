"""Entry 0: the log's name, format and checkpoint verifier key (docs/ledger-format.md)."""

from __future__ import annotations

from dataclasses import dataclass

from govern.records.base import Record


@dataclass(frozen=True)
class LogCreated(Record, kind="log.created"):
    origin: str
    format: str
    hash: str
    verifier_key: str
    govern_version: str
