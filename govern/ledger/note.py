"""Signed notes with Ed25519 keys (C2SP signed-note, https://c2sp.org/signed-note).

A signed note is a text ending in a newline, a blank line, and one or more signature lines
``— <key name> <base64(4-byte key id || signature)>``. Keys are written as Go's
golang.org/x/mod/sumdb/note writes them, so keys and notes pass between govern and Go's tools:

- signer (private) key: ``PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01 || 32-byte seed)>``
- verifier key: ``<name>+<hex8 key id>+<base64(0x01 || 32-byte public key)>``
- key id: the first 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key).

``open_note`` follows Go's ``note.Open``: signatures from unknown keys are ignored, a known key
whose signature fails rejects the whole note, and at least one known key must have signed. It is
stricter in two ways that Go's own output always satisfies: base64 must be canonical (so no byte
of a note can change without the note being refused), and a repeated signature line from a known
key is verified too instead of being skipped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from govern.errors import BadInput, CheckpointInvalid, SignatureInvalid

ALG_ED25519 = 0x01
# Go's note.Open refuses more than 100; the spec requires accepting at least 16.
MAX_SIGNATURES = 100
SIG_PREFIX = "— "  # U+2014 EM DASH, U+0020 SPACE

# Go's unicode.IsSpace, which note.isValidName uses: Latin-1 spaces plus Unicode White_Space.
_GO_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


def _invalid_name_reason(name: str) -> str | None:
    """Why ``name`` cannot be a key name (signed-note "Format"), or None if it can."""
    if not name:
        return "it is empty"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "it is not valid UTF-8"
    for ch in name:
        if ch == "+":
            return "it contains '+'"
        if ch in _GO_SPACES:
            return "it contains whitespace"
        # Control characters are not allowed anywhere in a note, so such a key could sign nothing.
        if ord(ch) < 0x20:
            return "it contains a control character"
    return None


def _check_name(name: str) -> None:
    reason = _invalid_name_reason(name)
    if reason is not None:
        raise BadInput(
            f"{name!r} cannot be a key name: {reason}",
            hint="a key name is non-empty, without spaces or '+', for example "
            "'bank.example/govern/credit-models'",
        )


def _key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def _b64decode(text: str) -> bytes | None:
    """Decode standard base64 (RFC 4648 section 4), accepting only its canonical form."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 verifier key: checks signatures by one named key."""

    name: str
    key_id: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise BadInput(f"an Ed25519 public key has 32 bytes, not {len(self.public_key)}")
        if self.key_id != _key_id(self.name, self.public_key):
            raise SignatureInvalid(
                f"the key id {self.key_id:08x} does not match the key {self.name!r} and its "
                "public key: the verifier key was altered or mistyped"
            )

    @classmethod
    def from_string(cls, vkey: str) -> Verifier:
        """Parse a verifier key ``<name>+<hex8 key id>+<base64(0x01 || public key)>``."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise BadInput(
                "not a verifier key: expected '<name>+<key id>+<base64 key>'",
                hint="copy the verifier key printed by `govern init` exactly",
            )
        name, hex_id, key64 = parts
        _check_name(name)
        key = _b64decode(key64)
        if not _HEX8.fullmatch(hex_id) or key is None or not key:
            raise BadInput(f"the verifier key for {name!r} is malformed")
        if key[0] != ALG_ED25519:
            raise BadInput(
                f"the verifier key for {name!r} uses signature type 0x{key[0]:02x}; "
                "govern supports only Ed25519 (0x01)"
            )
        return cls(name=name, key_id=int(hex_id, 16), public_key=key[1:])

    def to_string(self) -> str:
        """The verifier key string, as Go's note.NewVerifier reads it."""
        return f"{self.name}+{self.key_id:08x}+{_b64encode(bytes([ALG_ED25519]) + self.public_key)}"

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """Report whether ``sig`` is this key's Ed25519 signature of ``msg``."""
        if len(sig) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(sig, msg)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """An Ed25519 signer key. ``seed`` is the secret; it is kept out of ``repr``."""

    name: str
    key_id: int
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32:
            raise BadInput(f"an Ed25519 private key seed has 32 bytes, not {len(self.seed)}")
        if self.key_id != _key_id(self.name, self.public_key):
            raise SignatureInvalid(
                f"the key id {self.key_id:08x} does not match the signer key {self.name!r}: "
                "the key file was altered or belongs to another key"
            )

    @classmethod
    def from_string(cls, skey: str) -> Signer:
        """Parse a signer key ``PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01 || seed)>``."""
        parts = skey.strip().split("+", 4)
        # Never echo the key itself in an error: it is a secret.
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise BadInput("not a signer key: expected 'PRIVATE+KEY+<name>+<key id>+<key>'")
        _, _, name, hex_id, key64 = parts
        _check_name(name)
        key = _b64decode(key64)
        if not _HEX8.fullmatch(hex_id) or key is None or not key:
            raise BadInput(f"the signer key for {name!r} is malformed")
        if key[0] != ALG_ED25519:
            raise BadInput(
                f"the signer key for {name!r} uses signature type 0x{key[0]:02x}; "
                "govern supports only Ed25519 (0x01)"
            )
        return cls(name=name, key_id=int(hex_id, 16), seed=key[1:])

    @property
    def public_key(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()

    def to_string(self) -> str:
        """The signer key string, as Go's note.NewSigner reads it. It is a secret."""
        key64 = _b64encode(bytes([ALG_ED25519]) + self.seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{key64}"

    def verifier(self) -> Verifier:
        """The verifier for this key's signatures."""
        return Verifier(name=self.name, key_id=self.key_id, public_key=self.public_key)

    def sign(self, msg: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``msg`` (RFC 8032)."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(msg)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note: the key's name and id, and the signature bytes."""

    name: str
    key_id: int
    signature: bytes

    @property
    def key(self) -> str:
        return f"{self.name}+{self.key_id:08x}"


def generate_signer_key(name: str) -> str:
    """Make a new Ed25519 signer key string for ``name`` (as Go's note.GenerateKey)."""
    _check_name(name)
    private = Ed25519PrivateKey.generate()
    key_id = _key_id(name, private.public_key().public_bytes_raw())
    return Signer(name=name, key_id=key_id, seed=private.private_bytes_raw()).to_string()


def verifier_from_signer(skey: str) -> str:
    """The verifier key string that checks signatures made with signer key ``skey``."""
    return Signer.from_string(skey).verifier().to_string()


def _control_char_offset(text: str) -> int | None:
    for i, ch in enumerate(text):
        if ord(ch) < 0x20 and ch != "\n":
            return i
    return None


def sign_note(text: str, signer: Signer) -> str:
    """Sign ``text`` (which must end in a newline) and return the signed note."""
    if not text.endswith("\n"):
        raise BadInput("a note's text must end with a newline")
    if _control_char_offset(text) is not None:
        raise BadInput("a note's text must not contain control characters other than newline")
    try:
        msg = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadInput("a note's text must be valid UTF-8") from exc
    sig = signer.key_id.to_bytes(4, "big") + signer.sign(msg)
    return f"{text}\n{SIG_PREFIX}{signer.name} {_b64encode(sig)}\n"


def _corrupt(what: str, problem: str) -> CheckpointInvalid:
    return CheckpointInvalid(
        f"the {what} is malformed: {problem}",
        hint="the file was truncated, re-encoded or edited; get an unmodified copy",
    )


def _decode(note: str | bytes, what: str) -> str:
    if isinstance(note, bytes):
        try:
            return note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _corrupt(what, f"it is not valid UTF-8 (byte offset {exc.start})") from exc
    try:
        note.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _corrupt(what, "it is not valid UTF-8") from exc
    return note


def split_note(note: str | bytes, what: str = "note") -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signatures, checking syntax only, no signature.

    For diagnostics (which log, which key); nothing it returns is to be trusted.
    """
    text, sigs = _split_note(note, what)
    return text, [sig for _, sig in sigs]


def _split_note(note: str | bytes, what: str) -> tuple[str, list[tuple[str, NoteSignature]]]:
    """Split a signed note into its text and (line, signature) pairs, checking only syntax."""
    note = _decode(note, what)
    offset = _control_char_offset(note)
    if offset is not None:
        raise _corrupt(
            what, f"it contains a control character (U+{ord(note[offset]):04X} at {offset})"
        )
    split = note.rfind("\n\n")
    if split < 0:
        raise _corrupt(what, "there is no blank line before the signature lines")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise _corrupt(what, "the signature lines do not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _corrupt(what, f"it has more than {MAX_SIGNATURES} signature lines")
    sigs: list[tuple[str, NoteSignature]] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(SIG_PREFIX):
            raise _corrupt(what, f"signature line {number} does not start with '— '")
        name, _, b64 = line[len(SIG_PREFIX) :].partition(" ")
        raw = _b64decode(b64)
        if _invalid_name_reason(name) is not None or not b64 or raw is None or len(raw) < 5:
            raise _corrupt(what, f"signature line {number} is not '— <key name> <base64>'")
        key_id = int.from_bytes(raw[:4], "big")
        sigs.append((line, NoteSignature(name=name, key_id=key_id, signature=raw[4:])))
    return text, sigs


def open_note(
    note: str | bytes, verifiers: Sequence[Verifier], *, what: str = "note"
) -> tuple[str, list[NoteSignature]]:
    """Check a signed note against trusted keys; return its text and the verified signatures.

    Raises CheckpointInvalid if the note is malformed, if a trusted key's signature does not
    verify, or if no trusted key signed it. ``what`` names the document in error messages.
    """
    if not verifiers:
        raise BadInput(f"no trusted key was given to check the {what} against")
    known: dict[tuple[str, int], set[Verifier]] = {}
    for v in verifiers:
        known.setdefault((v.name, v.key_id), set()).add(v)
    text, sigs = _split_note(note, what)
    msg = text.encode("utf-8")
    verified: list[NoteSignature] = []
    unknown: list[str] = []
    for line, sig in sigs:
        candidates = known.get((sig.name, sig.key_id))
        if candidates is None:
            # Signed-note: verifiers MUST ignore signatures from unknown keys.
            if line not in unknown:
                unknown.append(line)
            continue
        if len(candidates) > 1:
            raise BadInput(f"two different trusted keys are named {sig.key}; remove one")
        (verifier,) = candidates
        if not verifier.verify(msg, sig.signature):
            raise CheckpointInvalid(
                f"the {what}'s signature by {sig.key} does not verify: the {what} was changed "
                "after it was signed, or the signature is damaged",
                hint="do not trust this file; get an unmodified copy from its source",
            )
        if all(s.key != sig.key for s in verified):
            verified.append(sig)
    if not verified:
        expected = ", ".join(sorted(f"{v.name}+{v.key_id:08x}" for v in verifiers))
        found = ", ".join(s.key for line, s in sigs if line in unknown)
        raise CheckpointInvalid(
            f"the {what} is signed by a different key: {found}, not by {expected}",
            hint="check that you were given the right verifier key for this log",
        )
    return text, verified
