"""OpenSSH signatures (SSHSIG): how officers sign approvals.

Officers sign with keys they already hold, through `ssh-keygen -Y sign` (a key file, ssh-agent or
a FIDO security key). govern verifies those signatures itself, here, and can also make Ed25519
ones in pure Python, byte for byte what ssh-keygen makes.

Formats implemented (all integers big-endian, `string` = uint32 length || bytes, RFC 4251 sec. 5):
- OpenSSH PROTOCOL.sshsig: the signature blob, its armor and the data that is signed.
- RFC 8709: ssh-ed25519 keys and signatures.
- RFC 5656 sec. 3.1 and 3.1.2: ecdsa-sha2-nistp256/384/521 keys and (mpint r, mpint s) signatures.
- RFC 4253 sec. 6.6 and RFC 8332: ssh-rsa keys, rsa-sha2-256/512 signatures (SHA-1 refused).
- OpenSSH PROTOCOL.u2f: the FIDO types sk-ssh-ed25519@openssh.com and
  sk-ecdsa-sha2-nistp256@openssh.com, whose authenticator signs
  SHA256(application) || flags || counter || SHA256(message).
- OpenSSH PROTOCOL.key: the private key file (written by `cryptography`; its header read here).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from govern.errors import BadInput, NotFound, SignatureInvalid

__all__ = [
    "SUPPORTED_KEY_TYPES",
    "PublicKey",
    "load_private_key",
    "new_keypair",
    "parse_public_key",
    "sign_ed25519",
    "sign_with_ssh_keygen",
    "signer_of",
    "verify",
]

ED25519: Final = "ssh-ed25519"
SK_ED25519: Final = "sk-ssh-ed25519@openssh.com"
RSA: Final = "ssh-rsa"
SK_ECDSA: Final = "sk-ecdsa-sha2-nistp256@openssh.com"
# key type -> (curve name inside the blob, curve, hash the signature uses: RFC 5656 sec. 6.2.1)
_ECDSA: Final[dict[str, tuple[bytes, ec.EllipticCurve, hashes.HashAlgorithm]]] = {
    "ecdsa-sha2-nistp256": (b"nistp256", ec.SECP256R1(), hashes.SHA256()),
    "ecdsa-sha2-nistp384": (b"nistp384", ec.SECP384R1(), hashes.SHA384()),
    "ecdsa-sha2-nistp521": (b"nistp521", ec.SECP521R1(), hashes.SHA512()),
}
_RSA_SIG_HASHES: Final[dict[str, hashes.HashAlgorithm]] = {
    "rsa-sha2-256": hashes.SHA256(),
    "rsa-sha2-512": hashes.SHA512(),
}
SUPPORTED_KEY_TYPES: Final = (ED25519, *_ECDSA, RSA, SK_ED25519, SK_ECDSA)

_MAGIC: Final = b"SSHSIG"
_VERSION: Final = 1
_BEGIN: Final = "-----BEGIN SSH SIGNATURE-----"
_END: Final = "-----END SSH SIGNATURE-----"
_HASHES: Final = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
# ssh-keygen's own default (sshsig.c), so sign_ed25519 matches its output byte for byte.
_DEFAULT_HASH: Final = "sha512"
# PROTOCOL.u2f flags: bit 0 user presence (a touch), bit 2 user verification (PIN or biometric).
_SK_USER_PRESENT: Final = 0x01
_SK_USER_VERIFIED: Final = 0x04
# Same bounds as OpenSSH (SSH_RSA_MINIMUM_MODULUS_SIZE, SSHBUF_MAX_BIGNUM).
_RSA_MIN_BITS: Final = 1024
_RSA_MAX_BITS: Final = 16384

_USE_SSH_KEYGEN: Final = "use ssh-keygen -Y sign or the agent for this key"
_KEY_HINT: Final = (
    "ssh-keygen asks for the passphrase or the security key's touch itself; "
    "or add the key to ssh-agent with `ssh-add` and sign through the agent"
)
_MISMATCH_HINT: Final = (
    "the statement was changed after it was signed, or the signature text was damaged; "
    "ask the signer to sign the statement again"
)


class _Malformed(ValueError):
    """Bytes that do not parse; the caller turns this into the GovernError that fits."""


# --- RFC 4251 sec. 5 wire encoding -------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            raise _Malformed("it ends too early")
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def byte(self) -> int:
        return self.take(1)[0]

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self) -> bytes:
        return self.take(self.uint32())

    def mpint(self) -> int:
        raw = self.string()
        # Keys and signatures hold only positive numbers; OpenSSH refuses negative ones too.
        if raw and raw[0] & 0x80:
            raise _Malformed("it holds a negative number")
        return int.from_bytes(raw, "big")

    def end(self) -> None:
        if self._pos != len(self._data):
            raise _Malformed("it has unexpected data at its end")


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


# --- public keys -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    """The parts of a public key blob needed to check a signature."""

    key_type: str
    verifier: Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
    application: bytes = b""  # FIDO keys only: the relying party, usually "ssh:"


def _decode_key(blob: bytes) -> _Key:
    """Parse and check a public key blob; raises _Malformed with a reason a person can read."""
    r = _Reader(blob)
    key_type = _text(r.string())
    if key_type.endswith("-cert-v01@openssh.com"):
        raise _Malformed("it is an OpenSSH certificate, which govern does not accept; use the key")
    try:
        key: _Key
        if key_type in (ED25519, SK_ED25519):
            raw = r.string()
            if len(raw) != 32:
                raise _Malformed("its Ed25519 key is not 32 bytes")
            app = r.string() if key_type == SK_ED25519 else b""
            key = _Key(key_type, Ed25519PublicKey.from_public_bytes(raw), app)
        elif key_type in _ECDSA or key_type == SK_ECDSA:
            curve_name, curve, _ = _ECDSA[
                "ecdsa-sha2-nistp256" if key_type == SK_ECDSA else key_type
            ]
            if r.string() != curve_name:
                raise _Malformed("its curve does not match its type")
            # from_encoded_point checks that the point is on the curve.
            point = ec.EllipticCurvePublicKey.from_encoded_point(curve, r.string())
            app = r.string() if key_type == SK_ECDSA else b""
            key = _Key(key_type, point, app)
        elif key_type == RSA:
            e, n = r.mpint(), r.mpint()
            if not _RSA_MIN_BITS <= n.bit_length() <= _RSA_MAX_BITS:
                raise _Malformed(f"its RSA modulus has {n.bit_length()} bits")
            key = _Key(key_type, rsa.RSAPublicNumbers(e, n).public_key())
        else:
            supported = ", ".join(SUPPORTED_KEY_TYPES)
            raise _Malformed(f"its type {key_type!r} is not supported (supported: {supported})")
    except (ValueError, TypeError) as exc:  # cryptography's refusals of bad key material
        if isinstance(exc, _Malformed):
            raise
        raise _Malformed(f"its {key_type} key material is invalid") from exc
    r.end()
    return key


@dataclass(frozen=True)
class PublicKey:
    """An OpenSSH public key. Two keys are equal when their blobs are; the comment is a label."""

    key_type: str
    blob: bytes
    comment: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        try:
            key_type = _decode_key(self.blob).key_type
        except _Malformed as exc:
            raise BadInput(f"this is not a usable OpenSSH public key: {exc}") from None
        if key_type != self.key_type:
            raise BadInput(
                f"this public key says it is {self.key_type!r} but its data is a {key_type!r} key"
            )

    def openssh(self) -> str:
        """The key as OpenSSH writes it, without the comment: `type base64`."""
        return f"{self.key_type} {base64.b64encode(self.blob).decode('ascii')}"

    def fingerprint(self) -> str:
        """`SHA256:` and the unpadded base64 SHA-256 of the blob, as `ssh-keygen -lf` prints it."""
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def parse_public_key(text: str) -> PublicKey:
    """Parse one OpenSSH public key line: `type base64 [comment]`."""
    if "PRIVATE KEY-----" in text:
        raise BadInput(
            "this is a private key, not a public one: never hand a private key to govern here",
            hint="pass the .pub file beside it (for example ~/.ssh/id_ed25519.pub)",
        )
    parts = text.strip().split(maxsplit=2)
    if len(parts) < 2:
        raise BadInput(
            "this is not an OpenSSH public key line (expected `ssh-ed25519 AAAA... comment`)",
            hint="give the contents of the .pub file, for example ~/.ssh/id_ed25519.pub",
        )
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise BadInput("the base64 part of this OpenSSH public key is damaged") from None
    return PublicKey(parts[0], blob, parts[2] if len(parts) == 3 else "")


def _public_key_from_blob(blob: bytes) -> PublicKey:
    return PublicKey(_decode_key(blob).key_type, blob)


def ed25519_public_key(raw: bytes) -> PublicKey:
    """The OpenSSH public key of a raw 32-byte Ed25519 public key."""
    return PublicKey(ED25519, _string(ED25519.encode()) + _string(raw))


# --- SSHSIG (PROTOCOL.sshsig) ------------------------------------------------------------------


@dataclass(frozen=True)
class _Sshsig:
    public_key: PublicKey
    namespace: bytes
    reserved: bytes
    hash_alg: bytes
    signature: bytes


def _signed_data(namespace: bytes, hash_alg: str, message: bytes) -> bytes:
    """What the key actually signs (PROTOCOL.sshsig), binding the namespace and the hash used."""
    digest = _HASHES[hash_alg](message).digest()
    # The reserved field is signed empty: OpenSSH builds it so whatever the blob carries.
    return _MAGIC + _string(namespace) + _string(b"") + _string(hash_alg.encode()) + _string(digest)


def _armor(blob: bytes) -> str:
    # ssh-keygen wraps the base64 at 70 columns (sshbuf_dtob64), although the spec suggests 76.
    b64 = base64.b64encode(blob).decode("ascii")
    lines = [b64[i : i + 70] for i in range(0, len(b64), 70)]
    return "\n".join([_BEGIN, *lines, _END]) + "\n"


def _dearmor(armored: str) -> bytes:
    lines = [line.strip() for line in armored.strip().splitlines()]
    if not lines or lines[0] != _BEGIN:
        raise SignatureInvalid(
            f"this is not an SSH signature: it does not start with {_BEGIN}",
            hint="give the whole .sig file that `ssh-keygen -Y sign` wrote",
        )
    if _END not in lines:
        raise SignatureInvalid(
            f"the signature is truncated: its {_END} line is missing",
            hint="give the whole .sig file that `ssh-keygen -Y sign` wrote",
        )
    end = lines.index(_END)
    if end != len(lines) - 1:
        raise SignatureInvalid(f"the signature has unexpected text after its {_END} line")
    try:
        return base64.b64decode("".join(lines[1:end]), validate=True)
    except binascii.Error:
        raise SignatureInvalid("the signature's base64 text is damaged or truncated") from None


def _parse(armored: str) -> _Sshsig:
    blob = _dearmor(armored)
    r = _Reader(blob)
    try:
        if r.take(len(_MAGIC)) != _MAGIC:
            raise SignatureInvalid("this is not an SSH signature: it does not start with SSHSIG")
        version = r.uint32()
        if version != _VERSION:
            raise SignatureInvalid(
                f"the signature has format version {version}; govern reads version {_VERSION}"
            )
        key_blob = r.string()
        namespace, reserved, hash_alg, signature = r.string(), r.string(), r.string(), r.string()
        r.end()
    except _Malformed as exc:
        raise SignatureInvalid(f"the signature is damaged: {exc}") from None
    try:
        key = _public_key_from_blob(key_blob)
    except _Malformed as exc:
        raise SignatureInvalid(f"the signature's key cannot be used: {exc}") from None
    return _Sshsig(key, namespace, reserved, hash_alg, signature)


def signer_of(armored_signature: str) -> PublicKey:
    """The public key an armored SSH signature says it was made with (not yet verified)."""
    return _parse(armored_signature).public_key


def verify(
    message: bytes,
    armored_signature: str,
    public_key: PublicKey,
    namespace: str,
    *,
    require_user_verification: bool = False,
) -> None:
    """Check that `public_key` signed `message` in `namespace`; raise SignatureInvalid if not.

    Security keys must report user presence (a touch); with `require_user_verification` they
    must also report a PIN or biometric check.
    """
    expected_ns = _namespace_bytes(namespace)
    sig = _parse(armored_signature)
    if sig.public_key != public_key:
        raise SignatureInvalid(
            f"the signature was made with key {sig.public_key.fingerprint()}, "
            f"not the enrolled key {public_key.fingerprint()}",
            hint="the signer used another key; sign with the enrolled key or enrol this one",
        )
    if sig.namespace != expected_ns:
        raise SignatureInvalid(
            f"the signature was made for namespace {_text(sig.namespace)!r}, "
            f"expected {namespace!r}",
            hint=f"sign with `ssh-keygen -Y sign -n {namespace}`",
        )
    if sig.reserved:
        raise SignatureInvalid("the signature's reserved field is not empty (PROTOCOL.sshsig)")
    hash_alg = _text(sig.hash_alg)
    if hash_alg not in _HASHES:
        raise SignatureInvalid(
            f"the signature uses hash algorithm {hash_alg!r}; only sha256 and sha512 are accepted"
        )
    signed = _signed_data(expected_ns, hash_alg, message)
    try:
        _check(_decode_key(public_key.blob), sig.signature, signed, require_user_verification)
    except _Malformed as exc:
        raise SignatureInvalid(f"the signature is damaged: {exc}") from None


def _check(key: _Key, sig_blob: bytes, signed: bytes, require_uv: bool) -> None:
    """Verify the inner SSH signature blob `sig_blob` over `signed` with `key`."""
    r = _Reader(sig_blob)
    sig_type = _text(r.string())
    if key.key_type == RSA and sig_type == RSA:
        raise SignatureInvalid(
            "the signature uses ssh-rsa with SHA-1, which is no longer accepted",
            hint="sign again with a current ssh-keygen, which uses rsa-sha2-512",
        )
    if key.key_type == SK_ECDSA and sig_type.startswith("webauthn-"):
        raise SignatureInvalid(
            "the signature was made through a web browser (webauthn), which govern does not accept",
            hint="sign with `ssh-keygen -Y sign` and the security key",
        )
    # An RSA key signs as rsa-sha2-256 or rsa-sha2-512 (RFC 8332); other keys under their own name.
    if sig_type not in (_RSA_SIG_HASHES if key.key_type == RSA else (key.key_type,)):
        raise SignatureInvalid(
            f"the signature is of type {sig_type!r}, which a {key.key_type} key does not make"
        )

    v = key.verifier
    flags = 0
    try:
        if isinstance(v, Ed25519PublicKey):
            raw = r.string()
            if key.key_type == SK_ED25519:
                flags, counter = r.byte(), r.uint32()
                r.end()
                v.verify(raw, _sk_signed(key.application, flags, counter, signed))
            else:
                r.end()
                v.verify(raw, signed)
        elif isinstance(v, ec.EllipticCurvePublicKey):
            inner = _Reader(r.string())
            der = encode_dss_signature(inner.mpint(), inner.mpint())
            inner.end()
            if key.key_type == SK_ECDSA:
                flags, counter = r.byte(), r.uint32()
                r.end()
                data = _sk_signed(key.application, flags, counter, signed)
                v.verify(der, data, ec.ECDSA(hashes.SHA256()))
            else:
                r.end()
                v.verify(der, signed, ec.ECDSA(_ECDSA[key.key_type][2]))
        else:
            raw = r.string()
            r.end()
            modulus_len = (v.key_size + 7) // 8
            if len(raw) > modulus_len:
                raise _Malformed("its RSA signature is longer than the key")
            # OpenSSH accepts (and some signers emit) signatures shorter than the modulus.
            raw = raw.rjust(modulus_len, b"\0")
            v.verify(raw, signed, padding.PKCS1v15(), _RSA_SIG_HASHES[sig_type])
    except InvalidSignature:
        raise SignatureInvalid(
            "the signature does not match the statement", hint=_MISMATCH_HINT
        ) from None

    if key.key_type in (SK_ED25519, SK_ECDSA):
        # Checked after the signature, so that the flags are known to be the authenticator's.
        if not flags & _SK_USER_PRESENT:
            raise SignatureInvalid(
                "the security key did not confirm that someone touched it when signing",
                hint="sign again and touch the key when it blinks",
            )
        if require_uv and not flags & _SK_USER_VERIFIED:
            raise SignatureInvalid(
                "the security key did not verify its user (PIN or biometric) when signing",
                hint="sign again with a key created with `ssh-keygen -O verify-required`",
            )


def _sk_signed(application: bytes, flags: int, counter: int, message: bytes) -> bytes:
    """What a FIDO authenticator signs (PROTOCOL.u2f); no extensions for plain SSH signatures."""
    return (
        hashlib.sha256(application).digest()
        + bytes([flags])
        + counter.to_bytes(4, "big")
        + hashlib.sha256(message).digest()
    )


def _namespace_bytes(namespace: str) -> bytes:
    if not namespace:
        raise BadInput("an SSH signature namespace must not be empty")
    return namespace.encode("utf-8")


# --- signing -----------------------------------------------------------------------------------


def sign_ed25519(
    message: bytes,
    private_key: Ed25519PrivateKey | Path,
    namespace: str,
    *,
    hash_alg: str = _DEFAULT_HASH,
) -> str:
    """Sign `message` as `ssh-keygen -Y sign -n NAMESPACE` would, with an Ed25519 key.

    Ed25519 is deterministic, so the armored text equals ssh-keygen's for the same key.
    """
    key = (
        private_key if isinstance(private_key, Ed25519PrivateKey) else load_private_key(private_key)
    )
    ns = _namespace_bytes(namespace)
    if hash_alg not in _HASHES:
        raise BadInput(f"hash algorithm {hash_alg!r} is not one of sha256, sha512")
    key_blob = _string(ED25519.encode()) + _string(key.public_key().public_bytes_raw())
    signature = key.sign(_signed_data(ns, hash_alg, message))
    blob = (
        _MAGIC
        + _VERSION.to_bytes(4, "big")
        + _string(key_blob)
        + _string(ns)
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(_string(ED25519.encode()) + _string(signature))
    )
    return _armor(blob)


def sign_with_ssh_keygen(
    message: bytes,
    private_key_path: Path,
    namespace: str,
    *,
    ssh_keygen: str = "ssh-keygen",
) -> str:
    """Sign `message` with `ssh-keygen -Y sign` and return the armored signature.

    `private_key_path` may be a private key file, or a `.pub` file whose key ssh-agent holds
    (SSH_AUTH_SOCK set); ssh-keygen then asks the agent, which is also how security keys and
    passphrase-protected keys sign without govern seeing a secret. ssh-keygen's messages are
    captured (the last one goes into the error), so its "touch your security key" notice is not
    shown: the caller should say so before calling.
    """
    _namespace_bytes(namespace)
    key_path = Path(private_key_path)
    if not key_path.is_file():
        raise NotFound(f"the key file {key_path} does not exist")
    agent = bool(os.environ.get("SSH_AUTH_SOCK"))
    if key_path.suffix == ".pub" and not agent and not key_path.with_suffix("").is_file():
        raise BadInput(
            f"{key_path} is a public key, and no ssh-agent is running to sign with it",
            hint="start ssh-agent and add the key (`ssh-add`), or give the private key file",
        )
    program = shutil.which(ssh_keygen)
    if program is None:
        raise BadInput(
            f"{ssh_keygen} was not found, so govern cannot sign with this key",
            hint="install OpenSSH (the openssh-client package), or sign with a govern Ed25519 key",
        )
    # ssh-keygen writes FILE.sig next to FILE, so sign a file in a private temporary folder; stdin
    # stays the terminal's, where ssh-keygen asks for a passphrase or a touch if it needs one.
    with tempfile.TemporaryDirectory(prefix="govern-sign-") as tmp:
        data = Path(tmp) / "statement"
        data.write_bytes(message)
        try:
            done = subprocess.run(
                [program, "-Y", "sign", "-f", str(key_path), "-n", namespace, str(data)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                check=False,
            )
        except OSError as exc:
            raise BadInput(f"{ssh_keygen} could not be run: {exc}") from None
        sig_path = data.with_name(data.name + ".sig")
        if done.returncode != 0 or not sig_path.is_file():
            lines = [ln for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
            last = lines[-1].strip() if lines else f"exit status {done.returncode}"
            raise BadInput(
                f"ssh-keygen could not sign with {key_path}: {last}",
                hint="check the key file, its passphrase, or that ssh-agent holds the key",
            )
        armored = sig_path.read_text("ascii")
    # Check what ssh-keygen produced before anyone records it.
    verify(message, armored, signer_of(armored), namespace)
    return armored


# --- keys on disk (OpenSSH PROTOCOL.key) -------------------------------------------------------

_PRIVATE_BEGIN: Final = "-----BEGIN OPENSSH PRIVATE KEY-----"
_PRIVATE_END: Final = "-----END OPENSSH PRIVATE KEY-----"
_PRIVATE_MAGIC: Final = b"openssh-key-v1\0"


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an unencrypted OpenSSH-format Ed25519 private key file."""
    path = Path(path)
    try:
        text = path.read_text("ascii")
    except FileNotFoundError:
        raise NotFound(f"the key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"the key file {path} cannot be read: {exc}") from None
    body = text.strip()
    if not (body.startswith(_PRIVATE_BEGIN) and body.endswith(_PRIVATE_END)):
        raise BadInput(f"{path} is not an OpenSSH private key file: {_USE_SSH_KEYGEN}")
    # Read the header ourselves: it says whether the key is encrypted and what type it is, so the
    # refusal can say so instead of passing on a library's message.
    try:
        b64 = "".join(body[len(_PRIVATE_BEGIN) : -len(_PRIVATE_END)].split())
        raw = base64.b64decode(b64, validate=True)
        r = _Reader(raw)
        if r.take(len(_PRIVATE_MAGIC)) != _PRIVATE_MAGIC:
            raise _Malformed("it does not start with openssh-key-v1")
        cipher = r.string()
        _kdf_name, _kdf_options, _count = r.string(), r.string(), r.uint32()
        key_type = _text(_Reader(r.string()).string())
    except (binascii.Error, _Malformed) as exc:
        raise BadInput(f"the key file {path} is damaged: {exc}") from None
    if cipher != b"none":
        raise BadInput(
            f"the key {path} is protected by a passphrase, which govern does not read: "
            + _USE_SSH_KEYGEN,
            hint=_KEY_HINT,
        )
    if key_type != ED25519:
        raise BadInput(
            f"the key {path} is of type {key_type}; govern itself signs only with Ed25519 keys: "
            + _USE_SSH_KEYGEN,
            hint=_KEY_HINT,
        )
    try:
        key = serialization.load_ssh_private_key(text.encode("ascii"), password=None)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"the key file {path} cannot be read: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):  # pragma: no cover - the header said Ed25519
        raise BadInput(f"the key {path} is not an Ed25519 key: {_USE_SSH_KEYGEN}")
    return key


def new_keypair(path: Path, comment: str) -> PublicKey:
    """Create an Ed25519 key: `path` (private, mode 0600) and `path.pub` (public, mode 0644)."""
    path = Path(path)
    pub_path = path.with_name(path.name + ".pub")
    if "\n" in comment or "\r" in comment:
        raise BadInput("a key comment must be a single line")
    for p in (path, pub_path):
        if p.exists():
            raise BadInput(f"{p} already exists; govern does not overwrite key files")
    if not path.parent.is_dir():
        raise NotFound(f"the folder {path.parent} does not exist")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    line = public.decode("ascii") + (f" {comment}" if comment else "")
    _write_new(path, private, 0o600)
    try:
        _write_new(pub_path, (line + "\n").encode("utf-8"), 0o644)
    except BaseException:
        path.unlink()  # leave no half-made pair behind
        raise
    return parse_public_key(line)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: never overwrite, even if the file appeared since the check; the mode is set at
    # creation so the private key is never readable by others, not even briefly.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise BadInput(f"{path} already exists; govern does not overwrite key files") from None
    with os.fdopen(fd, "wb") as f:
        if hasattr(os, "fchmod"):
            os.fchmod(f.fileno(), mode)  # the umask may have taken bits off the public key
        f.write(data)
