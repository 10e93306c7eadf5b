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


@dataclass(frozen=True)
class SignaturesRequired(Record, kind="log.signatures_required"):
    """From this entry on, every entry a person or service makes must be signed by them
    (written once, by the first govern that signs, into a ledger older than signatures)."""

    subject: str
    rule: str
    govern_version: str
