"""Who is acting: the key that signs, and the enrolled person or service it belongs to.

Every record a person or service writes is signed with their enrolled key (docs/registry.md,
"Identity"). A ``KeySigner`` signs statements under an SSHSIG namespace with one of:

- an unencrypted OpenSSH Ed25519 private key file, signed in-process (refused when others may
  read it, as ssh refuses such a key);
- a ``KEY.pub`` whose private key is in ssh-agent, or any key ssh-keygen can use (an encrypted
  key, a FIDO security key), through ``ssh-keygen -Y sign``;
- an Ed25519 key held in memory, for services (no agent or subprocess on the hot path).

The key says who the actor is: ``identify`` finds the person enrolled with that key's
fingerprint, and a name given with ``--as`` must be theirs.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govern.errors import BadInput, NotFound, SignatureInvalid
from govern.registry import sshsig
from govern.registry.sshsig import PublicKey

KEY_ENV = "GOVERN_SIGNING_KEY"
SIGN_HINT = (
    "pass --sign-with KEY (your SSH private key, or KEY.pub with the key in ssh-agent), or set "
    "GOVERN_SIGNING_KEY"
)


@dataclass(frozen=True)
class KeySigner:
    """A key that signs: in memory (``private``) or through ssh-keygen (``path``)."""

    public: PublicKey
    private: Ed25519PrivateKey | None = None
    path: Path | None = None

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint()

    def sign(self, message: bytes, namespace: str) -> str:
        """An armored SSHSIG over ``message`` in ``namespace``."""
        if self.private is not None:
            return sshsig.sign_ed25519(message, self.private, namespace)
        if self.path is None:  # pragma: no cover - construction guarantees one of the two
            raise BadInput("this signer holds no key")
        signature = sshsig.sign_with_ssh_keygen(message, self.path, namespace)
        if sshsig.signer_of(signature).fingerprint() != self.fingerprint:
            raise SignatureInvalid(
                f"ssh-keygen signed with another key than {self.path}",
                hint="check which key ssh-agent holds for this file",
            )
        return signature

    @classmethod
    def from_private(cls, key: Ed25519PrivateKey) -> KeySigner:
        """A signer for a key held in memory (a service's)."""
        raw = key.public_key().public_bytes_raw()
        return cls(public=sshsig.ed25519_public_key(raw), private=key)


def _refuse_readable(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise BadInput(
            f"the private key {path} may be read by others (mode {stat.S_IMODE(mode):o}); govern "
            "does not sign with it",
            hint=f"chmod 600 {path}",
        )


def load_signer(path: Path) -> KeySigner:
    """A signer for a key file: a private key, or ``KEY.pub`` (ssh-agent, security keys)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise NotFound(
            f"there is no key file at {path}",
            hint="give the path of your SSH private key (or KEY.pub with the key in ssh-agent)",
        )
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"the key file {path} cannot be read: {exc}") from None
    if path.suffix == ".pub" or text.lstrip().startswith(("ssh-", "sk-", "ecdsa-")):
        return KeySigner(public=sshsig.parse_public_key(text), path=path)
    _refuse_readable(path)
    try:
        private = sshsig.load_private_key(path)
    except BadInput:
        # Not an unencrypted Ed25519 key: ssh-keygen (and the agent) may still sign with it,
        # given its public half beside it.
        pub = path.with_name(path.name + ".pub")
        if not pub.is_file():
            raise
        return KeySigner(public=sshsig.parse_public_key(pub.read_text("utf-8")), path=path)
    return KeySigner.from_private(private)


def signer_from_env() -> KeySigner | None:
    """The signer named by ``GOVERN_SIGNING_KEY``, if it is set."""
    value = os.environ.get(KEY_ENV)
    return load_signer(Path(value)) if value else None
