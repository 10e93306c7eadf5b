"""The indexed ``subject`` of each kind of entry: how govern finds an entry by what it is about.

The ledger indexes a payload's top-level ``subject`` (docs/ledger-format.md); these are the
subjects govern writes, one function per thing, so a reader and a writer can never spell one
differently.
"""

from __future__ import annotations


def model(ref: str) -> str:
    """``model:NAME@V``: registrations, deployments and retirements of a version."""
    return f"model:{ref}"


def dataset(ref: str) -> str:
    return f"dataset:{ref}"


def person(name: str) -> str:
    return f"person:{name}"


def approval(ref: str) -> str:
    return f"approval:{ref}"


def finding(ref: str, number: int) -> str:
    return f"finding:{ref}#{number}"


def reason_table(name: str) -> str:
    """Reason-code tables belong to a model name, not to one version."""
    return f"reason-table:{name}"


def explanation(ref: str) -> str:
    return f"explanation:{ref}"


def document(ref: str) -> str:
    return f"document:{ref}"


def card_narrative(ref: str) -> str:
    return f"card-narrative:{ref}"


def validation_narrative(ref: str) -> str:
    return f"validation-narrative:{ref}"


def decision_policy(ref: str) -> str:
    """``decision-policy:NAME@V``: the versions of a model version's decision policy."""
    return f"decision-policy:{ref}"


def comparison(ref: str) -> str:
    """``comparison:CANDIDATE@V``: the comparisons of a candidate with a live version."""
    return f"comparison:{ref}"


def outcomes(ref: str) -> str:
    """``outcomes:NAME@V``: the realised outcomes of a version's predictions."""
    return f"outcomes:{ref}"


def monitoring(ref: str) -> str:
    return f"monitoring:{ref}"


def fairness(ref: str) -> str:
    """``fairness:NAME@V``: the fair-lending analyses of a version."""
    return f"fairness:{ref}"


def token(token_id: str) -> str:
    """``token:ID``: the issue and revocation of one bearer token."""
    return f"token:{token_id}"


POLICY = "policy"
VERIFY = "verify"
CLOCK = "clock"
