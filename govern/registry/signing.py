"""Signed statements: canonical JSON signed with a person's OpenSSH key (SSHSIG).

A statement is a JSON object; what is signed is its RFC 8785 bytes, so the same statement always
has the same bytes, on the officer's workstation and in the registry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from govern.errors import BadInput
from govern.ledger.jcs import canonicalize
from govern.records import JSONObject
from govern.registry import sshsig


class Statement(Protocol):
    """A typed statement (``ApprovalStatement``, ``OverrideStatement``)."""

    def to_json(self) -> JSONObject: ...


Signable = Mapping[str, Any] | Statement


def statement_bytes(statement: Signable) -> bytes:
    """The RFC 8785 bytes a signature is made over."""
    if isinstance(statement, Mapping):
        return canonicalize(dict(statement))
    return canonicalize(statement.to_json())


def namespace(purpose: str, origin: str) -> str:
    """SSHSIG namespace: ``approval@<origin host>`` and the like (docs/ledger-format.md)."""
    return f"{purpose}@{origin.split('/', 1)[0]}"


def sign(statement: Signable, key: Path, ns: str) -> str:
    """Sign with a private key file: Ed25519 in-process; anything else (an encrypted key, a FIDO
    key, ``key.pub`` with the key in ssh-agent) through ``ssh-keygen -Y sign``."""
    message = statement_bytes(statement)
    if not key.exists():
        raise BadInput(f"there is no key file at {key}", hint="give the path of your SSH key")
    if key.suffix != ".pub":
        try:
            return sshsig.sign_ed25519(message, sshsig.load_private_key(key), ns)
        except BadInput:
            pass  # not an unencrypted Ed25519 key: let ssh-keygen (and the agent) handle it
    return sshsig.sign_with_ssh_keygen(message, key, ns)


def verify(statement: Signable, signature: str, public_key: str, ns: str) -> None:
    """Raise SignatureInvalid unless ``signature`` signs exactly this statement with this key."""
    sshsig.verify(statement_bytes(statement), signature, sshsig.parse_public_key(public_key), ns)


def read_signature(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read the signature file {path}: {exc}") from exc


def key_from_env() -> Path | None:
    value = os.environ.get("GOVERN_SIGNING_KEY")
    return Path(value) if value else None
