"""The registry: datasets, code, models, people, validation, approvals and deployments.

Every write is a ledger entry; what is read comes from projections rebuilt from the ledger alone.
"""

from govern.registry.bootstrap import InitResult, init_registry
from govern.registry.codeversion import CodeVersion, capture, given
from govern.registry.core import Registry
from govern.registry.entities import (
    DatasetVersion,
    Deployment,
    DeploymentEvent,
    Finding,
    ModelVersion,
    Person,
    SignedApproval,
    Signoff,
)
from govern.registry.inventory import InventoryRow
from govern.registry.policy import Policy, TierRule
from govern.registry.status import Status
from govern.registry.tokens import IssuedToken, TokenInfo, Tokens
from govern.registry.tokens import issue as issue_token
from govern.registry.tokens import revoke as revoke_token

__all__ = [
    "CodeVersion",
    "DatasetVersion",
    "Deployment",
    "DeploymentEvent",
    "Finding",
    "InitResult",
    "InventoryRow",
    "IssuedToken",
    "ModelVersion",
    "Person",
    "Policy",
    "Registry",
    "SignedApproval",
    "Signoff",
    "Status",
    "TierRule",
    "TokenInfo",
    "Tokens",
    "capture",
    "given",
    "init_registry",
    "issue_token",
    "revoke_token",
]
