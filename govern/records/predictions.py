"""Logged predictions, their erasures and human overrides (docs/provenance.md, "Formats")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from govern.records._codec import JSONObject, optional, to_json
from govern.records.base import Record


@dataclass(frozen=True)
class PredictionOutput:
    """The score as a decimal string, the decision (a classifier's label at the threshold) and,
    for ``predict``, the estimator's own label."""

    decision: str | None
    score: str
    label: str | None = optional()
    # the action of the version's decision policy for this score (absent: no policy)
    action: str | None = optional()


@dataclass(frozen=True)
class ScoringOverride:
    """Why a version that was not deployed and approved scored anyway, and its status then."""

    reason: str
    status: str

    def to_json(self) -> JSONObject:
        value: JSONObject = to_json(self)
        return value


class Scanned(NamedTuple):
    """What ``PredictionLogged.scan`` reads of a payload."""

    id: str
    model: str
    score: str
    decision: str | None
    input_commitment: str


@dataclass(frozen=True)
class PredictionLogged(Record, kind="prediction.logged"):
    subject: str  # the prediction id
    method: str
    model: str
    model_entry: str
    input_commitment: str
    output: PredictionOutput
    override: ScoringOverride | None
    product: str | None = optional()
    subject_key: str | None = optional()
    batch: str | None = optional()  # the signed prediction.batch it belongs to
    # the id of the bearer token the decision came through, over HTTP (docs/serving.md)
    token: str | None = optional()

    @property
    def id(self) -> str:
        return self.subject

    @staticmethod
    def scan(payload_json: bytes) -> Scanned:
        """The fields monitoring and the store checks read, from a payload's bytes, without
        building the record (they read millions)."""
        p = orjson.loads(payload_json)
        out = p["output"]
        return Scanned(
            p["subject"], p["model"], out["score"], out.get("decision"), p["input_commitment"]
        )

    @staticmethod
    def scan_columns(payloads: list[bytes]) -> Any:
        """The fields ``scan`` reads, of many payloads at once, as a pyarrow table with the
        columns ``id``, ``model``, ``score`` (text) and ``decision``: parsed by column in one
        call (monitoring reads millions; docs/monitoring.md, "What is read")."""
        import io

        import pyarrow as pa
        import pyarrow.json as pj

        output = pa.struct([pa.field("score", pa.string()), pa.field("decision", pa.string())])
        schema = pa.schema(
            [
                pa.field("subject", pa.string()),
                pa.field("model", pa.string()),
                pa.field("output", output),
            ]
        )
        options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
        table = pj.read_json(io.BytesIO(b"\n".join(payloads)), parse_options=options)
        out = table.column("output").combine_chunks()
        return pa.table(
            {
                "id": table.column("subject"),
                "model": table.column("model"),
                "score": out.field("score"),
                "decision": out.field("decision"),
            }
        )

    @staticmethod
    def batch_of(payload_json: bytes) -> str | None:
        """The ``batch`` of a payload's bytes, read without building the record (the audit
        reads it for every prediction)."""
        value = orjson.loads(payload_json).get("batch")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class PredictionBatch(
    Record, kind="prediction.batch", purpose="prediction", action="log-predictions"
):
    """One signed statement for a batch of predictions: who logged them and a digest of their
    payloads, not of their positions, so the batch signs what was decided wherever it lands in
    the log. ``payloads_sha256`` is SHA-256 over its payloads' RFC 8785 bytes concatenated in
    log order (each canonical object delimits itself); every ``prediction.logged`` of the batch
    names it in ``batch``."""

    subject: str  # the batch id
    model: str
    model_entry: str
    count: int
    payloads_sha256: str
    nonce: str
    signature: str | None = optional()


@dataclass(frozen=True)
class PredictionErased(Record, kind="prediction.erased", purpose="erasure", action="erase"):
    subject: str
    prediction_entry: int
    prediction_leaf: str
    input_commitment: str
    reason: str
    retain_until: str
    within_retention: bool
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
    # why the retention period is overridden (a privacy officer's; docs/provenance.md,
    # "Retention"): required when ``within_retention``
    retention_override: str | None = optional()


@dataclass(frozen=True)
class PredictionOverridden(
    Record, kind="prediction.overridden", purpose="override", action="override-decision"
):
    subject: str
    prediction_entry: int
    model_decision: str | None
    decision: str
    reason: str
    reviewer: str
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
