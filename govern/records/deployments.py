"""Deployments and retirements of model versions (docs/registry.md, "Deployments")."""

from __future__ import annotations

from dataclasses import dataclass

from govern.records._codec import JSONObject, optional, to_json
from govern.records.base import Record

OVERRIDE_TYPE = "govern.deployment-override/v1"


@dataclass(frozen=True)
class OverrideStatement:
    """What an approver signs to deploy a version the gates refuse; ``gates`` (absent from
    overrides written before the gates) names each refusal it overrides."""

    type: str
    log: str
    model: str
    model_entry: str
    env: str
    justification: str
    signer: str
    gates: tuple[str, ...] | None = optional()

    def to_json(self) -> JSONObject:
        value: JSONObject = to_json(self)
        return value


@dataclass(frozen=True)
class DeploymentOverride:
    justification: str
    statement: OverrideStatement
    signature: str
    fingerprint: str


@dataclass(frozen=True)
class ModelDeployed(Record, kind="model.deployed", purpose="deploy", action="deploy"):
    subject: str
    model: str
    model_entry: str
    env: str
    status_at_deploy: str
    override: DeploymentOverride | None
    replaces: str | None = optional()  # the version it retires from ``env`` (of any model)
    # why the version that ran before the live one is put back (a rollback needs no comparison)
    rollback_reason: str | None = optional()
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)


@dataclass(frozen=True)
class ModelRetired(Record, kind="model.retired", purpose="deploy", action="retire"):
    subject: str
    model: str
    env: str
    reason: str
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
