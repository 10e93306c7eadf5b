"""Bearer tokens for govern's HTTP services (docs/serving.md, "Tokens").

A token is ``gvt_ID.SECRET``. Issuing one appends a signed ``token.issued`` entry holding only
the SHA-256 of the whole text; revoking it, a signed ``token.revoked``. Who gets in is decided
from those entries, verified like every governance entry (``trusted.accepted``), never from a
table an insider can edit. A token carries one scope: ``decide`` (post decisions: its holder's
roles must let them log predictions) or ``read`` (the auditor's routes: an auditor, validator,
approver, administrator or privacy officer). The text is shown once, at issue.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from govern.errors import BadInput, NotFound, PolicyViolation, TokenRefused
from govern.ledger import Entry
from govern.ledger.entry import now_ts
from govern.records import TokenIssued, TokenRevoked, subjects
from govern.registry import people, trusted

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = [
    "PREFIX",
    "READERS",
    "SCOPES",
    "Caller",
    "IssuedToken",
    "TokenInfo",
    "Tokens",
    "issue",
    "listing",
    "revoke",
]

PREFIX = "gvt_"
SCOPES = ("decide", "read")
#: The roles a ``read`` token may be issued to.
READERS = ("auditor", "validator", "approver", "administrator", "privacy-officer")
_TEXT = re.compile(r"^gvt_([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: ``text`` is the only copy of the secret (govern keeps its hash)."""

    id: str
    person: str
    scope: str
    text: str
    entry: int
    expires: str | None


@dataclass(frozen=True)
class TokenInfo:
    """A token as the verified ledger stands: who holds it, its scope, and whether it is live."""

    id: str
    person: str
    scope: str
    sha256: str
    issued_at: str
    issued_by: str
    expires: str | None
    revoked_at: str | None
    revoked_reason: str | None
    entry: int

    def live(self, at: str) -> bool:
        return self.revoked_at is None and (self.expires is None or at < self.expires)


@dataclass(frozen=True)
class Caller:
    """Who an authenticated request came from: the token's id, its holder and its scope."""

    token: str
    person: str
    scope: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _check_scope(reg: Registry, person: str, scope: str) -> None:
    if scope not in SCOPES:
        raise BadInput(f"{scope!r} is not a token scope", hint=f"scopes are: {', '.join(SCOPES)}")
    holder = people.person(reg, person)
    people.check_active(holder, now_ts())
    if scope == "decide" and not reg.policy().allows(holder.roles, "log-predictions"):
        raise PolicyViolation(
            f"{person} may not log predictions (roles: {', '.join(holder.roles)}), so a "
            "decide token cannot be issued to them",
            hint="enrol the scoring service with the service role",
        )
    if scope == "read" and not set(holder.roles) & set(READERS):
        raise PolicyViolation(
            f"{person} holds none of the roles a read token is for ({', '.join(READERS)})",
        )


def issue(reg: Registry, person: str, *, scope: str, expires: str | None = None) -> IssuedToken:
    """Issue a token to an enrolled ``person``: one ``token.issued`` entry signed by the
    registry's signer (an administrator: issuing a credential is part of enrolment)."""
    _check_scope(reg, person, scope)
    if expires is not None and expires <= now_ts():
        raise BadInput(f"the expiry {expires} is not in the future")
    token_id = secrets.token_hex(6)
    text = f"{PREFIX}{token_id}.{secrets.token_urlsafe(32)}"
    record = TokenIssued(
        subject=subjects.token(token_id),
        token=token_id,
        person=person,
        scope=scope,
        sha256=_digest(text),
        issued_by=reg.actor,
        expires=expires,
    )
    entry = reg.record(record)
    return IssuedToken(token_id, person, scope, text, entry.seq, expires)


def revoke(reg: Registry, token_id: str, *, reason: str) -> Entry:
    """Revoke a token: one signed ``token.revoked`` entry; it opens nothing from then on."""
    if not reason.strip():
        raise BadInput("a revocation needs a reason")
    found = {t.id: t for t in listing(reg)}
    if token_id not in found:
        raise NotFound(
            f"no token {token_id} was issued in this registry", hint="see `govern tokens list`"
        )
    if found[token_id].revoked_at is not None:
        raise BadInput(f"token {token_id} is already revoked")
    record = TokenRevoked(
        subject=subjects.token(token_id), token=token_id, reason=reason, revoked_by=reg.actor
    )
    return reg.record(record)


def _fold(reg: Registry, after: int, known: dict[str, TokenInfo]) -> int:
    """Fold the verified token entries after position ``after`` into ``known``; the last
    position read."""
    size = reg.ledger.size
    entries = reg.ledger.checked(kinds=[TokenIssued.KIND, TokenRevoked.KIND], after=after)
    for e in trusted.accepted(reg, entries):
        if e.kind == TokenIssued.KIND:
            r = TokenIssued.from_entry(e)
            # the entry's signer must be who it says issued it
            if r.issued_by != e.actor:
                continue
            known[r.token] = TokenInfo(
                r.token, r.person, r.scope, r.sha256, e.ts, e.actor, r.expires, None, None, e.seq
            )
        else:
            v = TokenRevoked.from_entry(e)
            if v.token in known and known[v.token].revoked_at is None:
                known[v.token] = replace(known[v.token], revoked_at=e.ts, revoked_reason=v.reason)
    return max(size - 1, after)


def listing(reg: Registry) -> list[TokenInfo]:
    """Every token issued, as the verified ledger stands, in issue order."""
    known: dict[str, TokenInfo] = {}
    _fold(reg, -1, known)
    return sorted(known.values(), key=lambda t: t.entry)


class Tokens:
    """The tokens of a registry, kept in memory and read again from the ledger at most every
    ``refresh`` seconds (a revocation takes effect within that), or at once for an unknown id."""

    def __init__(self, reg: Registry, *, refresh: float = 1.0) -> None:
        self.reg = reg
        self.refresh = refresh
        self._known: dict[str, TokenInfo] = {}
        self._holders: dict[str, bool] = {}
        self._seen = -1
        self._read_at = 0.0
        self._lock = threading.Lock()

    def _update(self, force: bool = False) -> None:
        with self._lock:
            now = time.monotonic()
            # an unknown id forces a read, but at most ten a second: a caller sending made-up
            # tokens cannot make every request read the ledger
            wait = min(self.refresh, 0.1) if force else self.refresh
            if now - self._read_at < wait:
                return
            self._seen = _fold(self.reg, self._seen, self._known)
            at = now_ts()
            holders: dict[str, bool] = {}
            for t in self._known.values():
                if t.person not in holders:
                    try:
                        people.check_active(people.person(self.reg, t.person), at)
                        holders[t.person] = True
                    except (NotFound, PolicyViolation):
                        holders[t.person] = False
            self._holders = holders
            self._read_at = now

    def authenticate(self, authorization: str | None, scope: str) -> Caller:
        """The caller of a request whose ``Authorization`` header is ``authorization``:
        TokenRefused (HTTP 401) without a live token, PolicyViolation (403) when the token's
        scope is not ``scope``."""
        if not authorization:
            raise TokenRefused(
                "this request carries no bearer token",
                hint="send `Authorization: Bearer gvt_...`; an administrator issues one with "
                "`govern tokens issue NAME --scope SCOPE`",
            )
        kind, _, text = authorization.partition(" ")
        match = _TEXT.match(text.strip()) if kind.lower() == "bearer" else None
        if match is None:
            raise TokenRefused("the Authorization header does not hold a govern bearer token")
        token_id = match.group(1)
        self._update()
        if token_id not in self._known:
            self._update(force=True)
        info = self._known.get(token_id)
        if info is None or not hmac.compare_digest(info.sha256, _digest(text.strip())):
            raise TokenRefused("this bearer token was not issued by this registry")
        at = now_ts()
        if info.revoked_at is not None:
            raise TokenRefused(f"token {token_id} was revoked on {info.revoked_at[:10]}")
        if info.expires is not None and info.expires <= at:
            raise TokenRefused(f"token {token_id} expired on {info.expires[:10]}")
        if not self._holders.get(info.person, False):
            raise TokenRefused(f"the holder of token {token_id}, {info.person}, is not active")
        if info.scope != scope:
            raise PolicyViolation(
                f"token {token_id} is a {info.scope} token; this route needs a {scope} token"
            )
        return Caller(token_id, info.person, info.scope)
