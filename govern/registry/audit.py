"""Who made each entry, and whether they were allowed to: re-checked from the ledger alone
(``govern verify``; docs/identity.md).

The ledger is replayed in order. People, their keys and the policy are what the entries before
each one say; every entry a person or service made must carry a signature that verifies, in the
namespace of its purpose, with the key enrolled for its actor then; the actor must have been
enrolled and their key neither expired nor revoked; and the policy in force then must have let
one of their roles do it. A later, looser policy does not make an earlier act legal.

Ledgers written before signatures were required keep their unsigned entries: they are counted
("unsigned, written before signatures were required") and do not fail. Signatures are required
from the first administrator's enrolment when it is signed (a registry made by this version), or
from the ``log.signatures_required`` entry that the first signing govern wrote into an older
ledger. Signatures made with a key later revoked as compromised, from the position the
revocation names, are counted apart (``CompromisedSignatures``, a warning).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from govern.errors import (
    ActionNotAllowed,
    ActorNotEnrolled,
    AuthorityBroken,
    BadInput,
    EntrySignatureBad,
    EntryUnsigned,
    SignatureInvalid,
    StatementReplayed,
)
from govern.ledger import Entry
from govern.ledger.entry import read_envelope
from govern.ledger.jcs import canonicalize
from govern.records import (
    ApprovalSigned,
    KeyRotated,
    ModelDeployed,
    ModelRegistered,
    PersonEnrolled,
    PersonRevoked,
    PolicySet,
    PredictionBatch,
    PredictionLogged,
    Record,
    SignaturesRequired,
    read,
)
from govern.registry import policy as policy_mod
from govern.registry import sshsig
from govern.registry.policy import DUAL_CONTROL

__all__ = ["AuditReport", "Replay", "audit"]


@dataclass(frozen=True)
class AuditReport:
    """What the replay established."""

    signed: int  # entries whose signature verified (a batch's predictions count once each)
    unsigned_legacy: int  # unsigned entries written before signatures were required
    required_from: int | None  # the position from which signatures are required
    compromised: tuple[int, ...] = field(default=())  # entries signed by a compromised key


@dataclass
class _Key:
    name: str
    roles: tuple[str, ...]
    public: sshsig.PublicKey
    valid_from: str
    valid_until: str | None
    revoked_at: int | None = None  # the seq of the revocation


@dataclass
class _Batch:
    seq: int
    signer: str
    record: PredictionBatch
    hasher: hashlib._Hash = field(default_factory=hashlib.sha256)
    seen: int = 0


class Replay:
    """The replay, one entry at a time (``audit`` runs it over the whole ledger; the gates'
    view, ``trusted.py``, over the governance entries as they arrive)."""

    def __init__(self, origin: str, compromised: dict[str, int]) -> None:
        self.origin = origin
        self.host = origin.split("/", 1)[0]
        self.compromised = compromised  # fingerprint -> from seq
        self.people: dict[str, _Key] = {}  # name -> key in force
        self.by_fingerprint: dict[str, str] = {}
        self.policy = policy_mod.DEFAULT
        self.required_from: int | None = None
        self.batches: dict[str, _Batch] = {}
        self.signed = 0
        self.legacy = 0
        self.flagged: list[int] = []
        self.models: dict[str, str] = {}  # NAME@V -> its entry's leaf
        # (signer, NAME@V) -> the seq, reviewed log size and statement of their latest decision
        self.decisions: dict[tuple[str, str], tuple[int, int, Any]] = {}

    # ---- the checks --------------------------------------------------------------------------

    def required(self, seq: int) -> bool:
        return self.required_from is not None and seq >= self.required_from

    def key_of(self, e: Entry, signature: str) -> _Key:
        """The enrolled key that made ``signature``: it must be the entry's actor's, in force."""
        try:
            fingerprint = sshsig.signer_of(signature).fingerprint()
        except BadInput as exc:
            raise EntrySignatureBad(
                f"entry {e.seq} ({e.kind}) carries a signature that cannot be read: {exc.message}",
                seq=e.seq,
            ) from None
        name = self.by_fingerprint.get(fingerprint)
        if name is None:
            raise ActorNotEnrolled(
                f"entry {e.seq} ({e.kind}) is signed by {fingerprint}, a key enrolled for nobody "
                "when it was written",
                seq=e.seq,
            )
        if name != e.actor:
            raise EntrySignatureBad(
                f"entry {e.seq} ({e.kind}) names {e.actor} as its author but is signed with "
                f"{name}'s key",
                seq=e.seq,
            )
        key = self.people[name]
        if key.revoked_at is not None and key.revoked_at < e.seq:
            raise ActorNotEnrolled(
                f"entry {e.seq} ({e.kind}) is signed by {name}, whose key was revoked in entry "
                f"{key.revoked_at}",
                seq=e.seq,
            )
        if key.valid_until is not None and key.valid_until < e.ts:
            raise ActorNotEnrolled(
                f"entry {e.seq} ({e.kind}) is signed by {name}, whose key expired on "
                f"{key.valid_until[:10]}",
                seq=e.seq,
            )
        if key.valid_from > e.ts:
            raise ActorNotEnrolled(
                f"entry {e.seq} ({e.kind}) is signed by {name} before their key was valid",
                seq=e.seq,
            )
        if e.seq >= self.compromised.get(fingerprint, e.seq + 1):
            self.flagged.append(e.seq)
        return key

    def verify(
        self, e: Entry, statement: bytes, signature: str, key: sshsig.PublicKey, purpose: str
    ) -> None:
        try:
            sshsig.verify(statement, signature, key, f"{purpose}@{self.host}")
        except SignatureInvalid as exc:
            raise EntrySignatureBad(
                f"entry {e.seq} ({e.kind}): the signature does not verify: {exc.message}",
                seq=e.seq,
            ) from None

    def allowed(self, e: Entry, key: _Key, action: str | None) -> None:
        if action is not None and not self.policy.allows(key.roles, action):
            raise ActionNotAllowed(
                f"entry {e.seq} ({e.kind}): {key.name} ({', '.join(key.roles)}) was not allowed "
                f"to {policy_mod.ACTIONS.get(action, action)} by the policy in force then",
                seq=e.seq,
            )

    # ---- one entry ---------------------------------------------------------------------------

    def checked(self, e: Entry, r: Record | None = None) -> None:
        """``entry``, with an entry that cannot be read reported as a bad signature."""
        try:
            self.entry(e, r)
        except AuthorityBroken:
            raise
        except (BadInput, SignatureInvalid) as exc:
            raise EntrySignatureBad(
                f"entry {e.seq} ({e.kind}) cannot be checked: {exc.message}", seq=e.seq
            ) from None

    def entry(self, e: Entry, r: Record | None = None) -> None:
        """Check one entry (``r``, its record, when the caller has read it) and apply it."""
        if e.kind == PredictionLogged.KIND:
            self.prediction(e)
            return
        if r is None:
            r = read(e)
        if isinstance(r, SignaturesRequired):
            if self.required_from is None:
                self.required_from = e.seq
            return
        if r.PURPOSE is None:
            return
        signature = getattr(r, "signature", None)
        if isinstance(r, PersonEnrolled) and r.bootstrap:
            self.bootstrap(e, r, signature)
            return
        if signature is None:
            if self.required(e.seq):
                raise EntryUnsigned(
                    f"entry {e.seq} ({e.kind}) by {e.actor} carries no signature, in a ledger "
                    f"that requires them from entry {self.required_from}",
                    seq=e.seq,
                )
            self.legacy += 1
            self.apply(e, r, None)
            return
        key = self.key_of(e, signature)
        self.verify(e, canonicalize(r.to_statement()), signature, key.public, str(r.PURPOSE))
        self.allowed(e, key, r.ACTION)
        self.specific(e, r, key)
        self.signed += 1
        self.apply(e, r, key)

    def bootstrap(self, e: Entry, r: PersonEnrolled, signature: str | None) -> None:
        if e.seq != 1:
            raise EntrySignatureBad(
                f"entry {e.seq} claims to be the first administrator's enrolment, which only "
                "entry 1 can be",
                seq=e.seq,
            )
        public = sshsig.parse_public_key(r.ssh_public_key)
        if signature is None:
            self.legacy += 1
        else:
            # The root of trust signs its own enrolment; everything after traces back to it.
            self.required_from = 1
            if sshsig.signer_of(signature).fingerprint() != public.fingerprint():
                raise EntrySignatureBad(
                    "entry 1: the first administrator's enrolment is not signed with their key",
                    seq=1,
                )
            self.verify(e, canonicalize(r.to_statement()), signature, public, "enrol")
            self.signed += 1
        self.enrol(r)

    def specific(self, e: Entry, r: Record, key: _Key) -> None:
        """The rules of one kind beyond signature, enrolment and policy."""
        if isinstance(r, ApprovalSigned):
            st = r.statement
            if st.signer != key.name or st.role not in key.roles:
                raise ActionNotAllowed(
                    f"entry {e.seq}: {key.name} signed as {st.role} for {st.signer}, which their "
                    "enrolment did not allow",
                    seq=e.seq,
                )
            if self.models.get(st.model) != st.model_entry:
                raise EntrySignatureBad(
                    f"entry {e.seq} approves an entry that is not {st.model}'s", seq=e.seq
                )
            self.not_replayed(e, r)
        elif isinstance(r, PersonEnrolled):
            if r.enrolled_by != key.name:
                raise EntrySignatureBad(
                    f"entry {e.seq} says {r.enrolled_by} enrolled {r.name}, but {key.name} signed",
                    seq=e.seq,
                )
            admins = [k for k in self.people.values() if "administrator" in k.roles]
            admins = [k for k in admins if k.revoked_at is None]
            if set(r.roles) & set(DUAL_CONTROL) and len(admins) >= 2:
                self.cosigned(e, r, key)
        elif isinstance(r, PersonRevoked):
            if r.revoked_by != key.name:
                raise EntrySignatureBad(
                    f"entry {e.seq} says {r.revoked_by} revoked the key, but {key.name} signed",
                    seq=e.seq,
                )
        elif isinstance(r, KeyRotated):
            self.rotated(e, r, key)
        elif isinstance(r, ModelDeployed) and r.override is not None:
            o = r.override
            approver = self.people.get(o.statement.signer)
            if approver is None or "approver" not in approver.roles:
                raise ActionNotAllowed(
                    f"entry {e.seq}: the deployment override is signed by "
                    f"{o.statement.signer}, who was not an approver then",
                    seq=e.seq,
                )
            self.verify(
                e, canonicalize(o.statement.to_json()), o.signature, approver.public, "deployment"
            )
        elif isinstance(r, PredictionBatch):
            if r.subject in self.batches:
                raise EntrySignatureBad(
                    f"entry {e.seq} reuses the id of prediction batch {r.subject}", seq=e.seq
                )
            self.batches[r.subject] = _Batch(e.seq, key.name, r)

    def not_replayed(self, e: Entry, r: ApprovalSigned) -> None:
        """A statement counts once, and a person's decisions on a version are ordered by the log
        state they reviewed (docs/registry.md, "A statement counts once"): the same rule the
        writer applies, re-checked here for a log written around it."""
        st = r.statement
        key = (st.signer, st.model)
        prior = self.decisions.get(key)
        if prior is not None:
            seq, size, statement = prior
            if statement == st or st.checkpoint.size <= size:
                raise StatementReplayed(
                    f"entry {e.seq}: {st.signer}'s statement on {st.model} "
                    + (
                        f"repeats entry {seq}"
                        if statement == st
                        else f"reviewed the log at size {st.checkpoint.size}, no later than "
                        f"their decision in entry {seq} (size {size})"
                    )
                    + ": a replayed statement",
                    hint="the log was written around govern's checks: find out who wrote it",
                )
        self.decisions[key] = (e.seq, st.checkpoint.size, st)

    def cosigned(self, e: Entry, r: PersonEnrolled, key: _Key) -> None:
        cosigner = self.people.get(r.cosigned_by or "")
        if r.cosigned_by is None or r.cosignature is None or cosigner is None:
            raise ActionNotAllowed(
                f"entry {e.seq} enrols {r.name} as {', '.join(r.roles)} without a second "
                "administrator's co-signature, which dual control required then",
                seq=e.seq,
            )
        if cosigner.name == key.name or "administrator" not in cosigner.roles:
            raise ActionNotAllowed(
                f"entry {e.seq}: {r.cosigned_by} could not co-sign {key.name}'s enrolment of "
                f"{r.name}",
                seq=e.seq,
            )
        self.verify(e, canonicalize(r.to_statement()), r.cosignature, cosigner.public, "enrol")

    def rotated(self, e: Entry, r: KeyRotated, key: _Key) -> None:
        old = self.people.get(r.name)
        if old is None or old.public.fingerprint() != r.old_fingerprint:
            raise EntrySignatureBad(
                f"entry {e.seq} rotates a key {r.name} did not hold then", seq=e.seq
            )
        if key.name != r.name:  # after a loss: an administrator replaces the key
            self.allowed(e, key, "rotate-key")
        new = sshsig.parse_public_key(r.ssh_public_key)
        if r.new_key_signature is None or new.fingerprint() != r.fingerprint:
            raise EntrySignatureBad(
                f"entry {e.seq}: the new key of {r.name} is not shown to sign", seq=e.seq
            )
        self.verify(e, canonicalize(r.to_statement()), r.new_key_signature, new, "enrol")

    def prediction(self, e: Entry) -> None:
        envelope = read_envelope(e.body, e.seq)
        batch_id = PredictionLogged.batch_of(envelope.payload_json)
        if batch_id is None:
            if self.required(e.seq):
                raise EntryUnsigned(
                    f"entry {e.seq} (a prediction) belongs to no signed batch, in a ledger that "
                    f"requires signatures from entry {self.required_from}",
                    seq=e.seq,
                )
            self.legacy += 1
            return
        batch = self.batches.get(batch_id)
        if batch is None or batch.seen >= batch.record.count:
            raise EntrySignatureBad(
                f"entry {e.seq} (a prediction) names batch {batch_id}, which no signed "
                "statement before it covers",
                seq=e.seq,
            )
        if e.actor != batch.signer:
            raise EntrySignatureBad(
                f"entry {e.seq} (a prediction) names {e.actor} as its author, but its batch was "
                f"signed by {batch.signer}",
                seq=e.seq,
            )
        batch.hasher.update(envelope.payload_json)
        batch.seen += 1
        self.signed += 1
        if batch.seen == batch.record.count:
            self.close(batch)

    def close(self, batch: _Batch) -> None:
        if batch.hasher.hexdigest() != batch.record.payloads_sha256:
            raise EntrySignatureBad(
                f"the predictions of batch {batch.record.subject} (entry {batch.seq}) are not "
                "the ones its signed statement covers",
                seq=batch.seq,
            )
        del self.batches[batch.record.subject]

    # ---- what an entry changes ---------------------------------------------------------------

    def enrol(self, r: PersonEnrolled) -> None:
        public = sshsig.parse_public_key(r.ssh_public_key)
        previous = self.people.get(r.name)
        if previous is not None:
            self.by_fingerprint.pop(previous.public.fingerprint(), None)
        self.people[r.name] = _Key(r.name, r.roles, public, r.valid_from, r.valid_until)
        self.by_fingerprint[public.fingerprint()] = r.name

    def apply(self, e: Entry, r: Record, key: _Key | None) -> None:
        if isinstance(r, PersonEnrolled):
            self.enrol(r)
        elif isinstance(r, PersonRevoked):
            revoked = self.people.get(r.name)
            if revoked is not None:
                revoked.revoked_at = e.seq
                self.by_fingerprint.pop(revoked.public.fingerprint(), None)
        elif isinstance(r, KeyRotated):
            old = self.people[r.name]
            self.by_fingerprint.pop(old.public.fingerprint(), None)
            old.public = sshsig.parse_public_key(r.ssh_public_key)
            self.by_fingerprint[old.public.fingerprint()] = r.name
        elif isinstance(r, PolicySet):
            self.policy = policy_mod.from_dict(dict(r.policy))
        elif isinstance(r, ModelRegistered):
            self.models[r.ref] = e.leaf.hex()

    def finish(self) -> AuditReport:
        for batch in self.batches.values():
            raise EntrySignatureBad(
                f"batch {batch.record.subject} (entry {batch.seq}) signs {batch.record.count} "
                f"predictions but the log holds {batch.seen} of them",
                seq=batch.seq,
            )
        return AuditReport(self.signed, self.legacy, self.required_from, tuple(self.flagged))


def _compromised(entries: Iterable[Entry]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        r = PersonRevoked.from_entry(e)
        if r.compromised and r.compromised_from is not None:
            out[r.fingerprint] = min(out.get(r.fingerprint, r.compromised_from), r.compromised_from)
    return out


def audit(
    entries: Iterable[Entry], origin: str, *, revocations: Iterable[Entry] = ()
) -> AuditReport:
    """Replay ``entries`` (the whole ledger, in order); raise the first ``AuthorityBroken``.

    ``revocations`` are the ledger's ``person.revoked`` entries, read first so that a key revoked
    as compromised later flags the signatures it made from the position the revocation names.
    """
    replay = Replay(origin, _compromised(revocations))
    stream = iter(entries)
    try:
        for e in stream:
            replay.checked(e)
    finally:
        # Closed however the replay ends: a ledger's entries stream from an open cursor, which
        # would otherwise hold its transaction (and PostgreSQL's locks) until collected.
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return replay.finish()
