"""Creating a registry: the database, the log key, entry 0 and the first administrator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from govern._version import __version__
from govern.errors import BadInput, GovernError
from govern.ledger import Ledger, resolve_url
from govern.ledger.db import check_creatable, sqlite_path
from govern.ledger.logkey import create_key, default_key_path
from govern.registry import sshsig
from govern.registry.identity import load_signer
from govern.registry.people import enroll_first_administrator

ORIGIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_/:]{0,199}$")


@dataclass(frozen=True)
class InitResult:
    url: str
    origin: str
    key_path: Path
    verifier_key: str
    admin: str
    admin_key: Path | None
    admin_public_key: str


def init_registry(
    db: str | None,
    origin: str,
    *,
    key_path: Path | None = None,
    admin: str = "administrator",
    admin_public_key: Path | None = None,
) -> InitResult:
    """Create a registry; on any failure nothing is left behind."""
    if not ORIGIN_RE.match(origin):
        raise BadInput(
            f"{origin!r} is not a usable log origin",
            hint="use a name like bank.example/govern/credit-models (letters, digits, . - _ / :)",
        )
    url = resolve_url(db)
    db_file = sqlite_path(url)
    if db_file is not None:
        if db_file.exists() and db_file.stat().st_size > 0:
            raise BadInput(
                f"{db_file} already exists",
                hint="a registry is created once; use it, or choose another --db",
            )
        check_creatable(db_file)
    key_path = key_path or default_key_path(db_file)
    if key_path.exists():
        raise BadInput(
            f"the log key file {key_path} already exists",
            hint="a new registry needs a new key: move the old file away or pass --key",
        )
    public = None
    admin_signer = None
    if admin_public_key is not None:
        try:
            public = sshsig.parse_public_key(admin_public_key.read_text())
        except OSError as exc:
            raise BadInput(f"cannot read the administrator's public key: {exc}") from exc
        # The first enrolment is signed with this key: its private half beside it, or in
        # ssh-agent (checked now, before anything is created).
        admin_signer = load_signer(admin_public_key)
    created: list[Path] = []
    try:
        signer = create_key(key_path, origin)
        created.append(key_path)
        admin_key_file = None
        if public is None:
            admin_key_file = key_path.parent / f"{admin}_ed25519"
            public = sshsig.new_keypair(admin_key_file, comment=f"{admin}@{origin}")
            created += [admin_key_file, Path(str(admin_key_file) + ".pub")]
            admin_signer = load_signer(admin_key_file)
        assert admin_signer is not None
        verifier_key = signer.verifier().to_string()
        ledger = Ledger.create(
            url, origin, verifier_key=verifier_key, actor=admin, version=__version__
        )
        if db_file is not None:
            created += [db_file, Path(str(db_file) + "-wal"), Path(str(db_file) + "-shm")]
        with ledger:
            enroll_first_administrator(ledger, admin, public, admin_signer)
            # derive the registry tables now, so the first administrator is in them
            from govern.registry.artifacts import ArtifactStore
            from govern.registry.core import Registry, default_artifacts_dir

            Registry(ledger, ArtifactStore(default_artifacts_dir(url)), admin)
    except (GovernError, OSError):
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return InitResult(
        url=url,
        origin=origin,
        key_path=key_path,
        verifier_key=verifier_key,
        admin=admin,
        admin_key=admin_key_file,
        admin_public_key=public.openssh(),
    )
