"""The registry: datasets, code, models, people, validation, approvals and deployments.

Every write is a ledger entry; what is read comes from projections rebuilt from the ledger alone.
"""

from govern.registry.core import Registry

__all__ = ["Registry"]
