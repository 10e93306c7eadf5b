"""The log's checkpoint key: a C2SP signed-note Ed25519 key in a file outside the database.

The file holds the Go-compatible private key string (``PRIVATE+KEY+<name>+<id>+<key>``), is
created with mode 0600 and never overwritten. Whoever holds it can sign checkpoints, so it is
kept apart from the registry database.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from govern.errors import BadInput, NotFound, StorageError
from govern.ledger.note import Signer, generate_signer_key


def default_key_path(db_path: Path | None) -> Path:
    """``registry.key`` beside a SQLite ``registry.db``; ``govern-log.key`` here otherwise."""
    env = os.environ.get("GOVERN_LOG_KEY")
    if env:
        return Path(env)
    if db_path is not None:
        return db_path.with_suffix(".key")
    return Path("govern-log.key")


def create_key(path: Path, origin: str) -> Signer:
    """Write a new log key to ``path`` (mode 0600); refuse to overwrite an existing file."""
    skey = generate_signer_key(origin)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise BadInput(
            f"the log key file {path} already exists",
            hint="a new registry needs a new key: move the old file away or choose --key",
        ) from exc
    except OSError as exc:
        raise StorageError(
            f"cannot write the log key file {path}: {exc.strerror}",
            hint="choose a writable path with --key",
        ) from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(skey + "\n")
    return Signer.from_string(skey)


def load_key(path: Path) -> Signer:
    """Read the log key; refuse a file others can read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError as exc:
        raise NotFound(
            f"the log key file {path} does not exist",
            hint="pass --key with the key written by `govern init`, or set GOVERN_LOG_KEY",
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageError(f"cannot read the log key file {path}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise BadInput(
            f"the log key file {path} can be read by others (mode {stat.S_IMODE(mode):o})",
            hint=f"chmod 600 {path}",
        )
    return Signer.from_string(text)
