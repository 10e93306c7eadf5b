"""Every write is signed by who made it and allowed by the policy (docs/identity.md).

A record a person or service makes carries their SSHSIG over its statement (the RFC 8785 bytes
of the payload without its signature), in the namespace of its purpose
(``PURPOSE@<origin host>``), made with their enrolled key. The key says who the actor is: the
person enrolled with its fingerprint; a name given with ``--as`` must be theirs. The policy in
force must let one of their roles do the record's action. ``sign`` does this for a write made
here; ``submit`` for a statement signed elsewhere (``ssh-keygen -Y sign``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from govern.errors import BadInput, PolicyViolation, SignatureInvalid
from govern.ledger.entry import now_ts
from govern.ledger.jcs import canonicalize
from govern.records import Record
from govern.registry import people, sshsig
from govern.registry.entities import Person
from govern.registry.identity import SIGN_HINT, KeySigner
from govern.registry.signing import namespace

if TYPE_CHECKING:
    from govern.registry.core import Registry

R = TypeVar("R", bound=Record)


def statement_bytes(record: Record) -> bytes:
    """What the author of ``record`` signs."""
    return canonicalize(record.to_statement())


def namespace_of(reg: Registry, record: Record) -> str:
    if record.PURPOSE is None:  # pragma: no cover - only person-made records are signed
        raise BadInput(f"{record.KIND} entries are not signed by a person")
    return namespace(record.PURPOSE, reg.origin)


def identify(reg: Registry, signer: KeySigner, *, claimed: str | None = None) -> Person:
    """The enrolled person whose key ``signer`` holds (``people.identify``)."""
    return people.identify(reg, signer, claimed=claimed)


def authorize(reg: Registry, person: Person, record: Record, at: str | None = None) -> None:
    """Refuse unless ``person`` is active now and the policy lets one of their roles do what
    ``record`` does."""
    at = at or now_ts()
    people.check_active(person, at)
    action = record.ACTION
    if action is None:
        return
    policy = reg.policy(at)
    if not policy.allows(person.roles, action):
        allowed = ", ".join(policy.roles_for(action)) or "no role"
        raise PolicyViolation(
            f"{person.name} ({', '.join(person.roles)}) may not {_describe(action)}: the policy "
            f"in force lets {allowed} do it",
            hint="have someone in that role do it, or an administrator change the policy",
        )


def _describe(action: str) -> str:
    from govern.registry.policy import ACTIONS

    return ACTIONS.get(action, action)


def sign(reg: Registry, record: R, signer: KeySigner, *, claimed: str | None = None) -> R:
    """``record`` signed by ``signer``'s enrolled person, after checking they may write it."""
    person = identify(reg, signer, claimed=claimed)
    authorize(reg, person, record)
    signature = signer.sign(statement_bytes(record), namespace_of(reg, record))
    return dataclasses.replace(record, signature=signature)  # type: ignore[call-arg]


def signer_of(reg: Registry, record: Record) -> Person:
    """The enrolled person whose key made ``record``'s signature; SignatureInvalid unless the
    signature verifies over its statement."""
    signature = getattr(record, "signature", None)
    if not isinstance(signature, str):
        raise SignatureInvalid(f"the {record.KIND} statement carries no signature", hint=SIGN_HINT)
    try:
        key = sshsig.signer_of(signature)
    except BadInput as exc:
        raise SignatureInvalid(f"the signature cannot be read: {exc.message}") from None
    person = people.by_fingerprint(reg, key.fingerprint())
    if person is None:
        raise SignatureInvalid(
            f"the statement is signed by {key.fingerprint()}, a key enrolled for nobody here"
        )
    sshsig.verify(
        statement_bytes(record),
        signature,
        sshsig.parse_public_key(person.public_key),
        namespace_of(reg, record),
    )
    return person


def submit(reg: Registry, record: R, *, claimed: str | None = None) -> tuple[R, Person]:
    """A record signed elsewhere: its signer identified and checked as ``sign`` would."""
    person = signer_of(reg, record)
    if claimed is not None and claimed != person.name:
        raise PolicyViolation(f"the statement is signed by {person.name}, not by {claimed}")
    authorize(reg, person, record)
    return record, person


def acting(reg: Registry, key: Path | KeySigner | None = None) -> tuple[KeySigner, Person]:
    """The signer of a write (``key``, else the registry's) and the enrolled person it is."""
    from govern.registry.identity import load_signer

    if key is None:
        if reg.signer is None:
            raise PolicyViolation("this must be signed by who makes it", hint=SIGN_HINT)
        signer = reg.signer
    else:
        signer = key if isinstance(key, KeySigner) else load_signer(Path(key))
    return signer, identify(reg, signer, claimed=reg.claimed)
