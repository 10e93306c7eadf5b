"""A content-addressed store for model files and other artifacts, kept beside the registry.

Each artifact is stored once, under the SHA-256 of its bytes (FIPS 180-4), at
``root/sha256/<first 2 hex>/<64 hex>``, read-only. The ledger records the digest; reading an
artifact back re-hashes it, so a file changed after registration is refused, never used.

Models are stored in the skops format, which restores objects without running pickle, and load
only through govern's allow-list (`govern.registry.skops_trust`). Pickle files are refused
unless the caller says they trust the file's author; even then govern converts them to skops
when it can. docs/registry.md, "Models".
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from govern.errors import ArtifactStoreMissing, ArtifactTampered, BadInput, NotFound

_HEX = frozenset("0123456789abcdef")
_CHUNK = 1 << 20

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
SKOPS_SUFFIX = ".skops"

PICKLE_HINT = "pass --trust-pickle if you trust its author"


@dataclass(frozen=True)
class SavedModel:
    """A model stored in the artifact store, as the ledger records it.

    ``types`` lists the classes and functions the stored file names (for a pickle, those
    reachable from the loaded object). ``converted_from`` is ``"pickle"`` when a trusted
    pickle was re-saved as skops, and ``trusted_pickle`` whether pickle trust was given.
    """

    digest: str
    format: str
    size: int
    types: tuple[str, ...]
    converted_from: str | None = None
    trusted_pickle: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (``types`` as a list)."""
        record = asdict(self)
        record["types"] = list(self.types)
        return record


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def normalize_digest(digest: str) -> str:
    """``digest`` as 64 lowercase hex digits, accepting a ``sha256:`` prefix; BadInput otherwise."""
    text = digest.strip().lower().removeprefix("sha256:")
    if len(text) != 64 or not set(text) <= _HEX:
        raise BadInput(
            f"{digest!r} is not a SHA-256 digest",
            "give the 64 hex digits the registry shows for the artifact",
        )
    return text


def _short(digest: str) -> str:
    return f"sha256:{digest[:12]}…"


class ArtifactStore:
    """Files stored by their SHA-256 under ``root/sha256/``; written once, read-only after."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._base = self.root / "sha256"

    def check_present(self) -> None:
        """ArtifactStoreMissing unless the store is a folder govern can read: a wrong path is
        its own error, never reported as a missing or changed artifact."""
        if not self.root.is_dir() or not os.access(self.root, os.R_OK | os.X_OK):
            raise ArtifactStoreMissing(
                f"the artifact store is not at {self.root}"
                + ("" if self.root.exists() else " (no such folder)"),
                hint="pass --artifacts PATH (or set GOVERN_ARTIFACTS) to the store the models "
                "were registered with",
            )

    # --- bytes -------------------------------------------------------------------------------

    def path_of(self, digest: str) -> Path:
        """Where the artifact with this digest lives (whether or not it is there)."""
        hexd = normalize_digest(digest)
        return self._base / hexd[:2] / hexd

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256 hex.

        Raises ArtifactTampered if a file is already stored under that digest with other bytes.
        """
        digest = sha256_hex(data)
        target = self.path_of(digest)
        if self._already_stored(digest, target):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            self._place(Path(tmp), target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return digest

    def put_file(self, path: Path) -> str:
        """Store a copy of the file at ``path`` (once) and return its SHA-256 hex.

        The file is hashed while it is copied, so the stored bytes are the hashed bytes even if
        the source changes meanwhile. NotFound if ``path`` does not exist; ArtifactTampered as
        for `put_bytes`.
        """
        source = Path(path)
        if not source.is_file():
            raise NotFound(f"no file at {source}")
        self._base.mkdir(parents=True, exist_ok=True)
        # The digest is known only after reading, so the copy goes to a temporary file in
        # sha256/ itself: the same file system as its final folder, so os.replace stays atomic.
        fd, tmp = tempfile.mkstemp(dir=self._base, prefix=".tmp-")
        try:
            hasher = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = hasher.hexdigest()
            target = self.path_of(digest)
            if self._already_stored(digest, target):
                os.unlink(tmp)
                return digest
            target.parent.mkdir(parents=True, exist_ok=True)
            self._place(Path(tmp), target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return digest

    def get_bytes(self, digest: str) -> bytes:
        """The stored bytes, after checking they still hash to ``digest``.

        NotFound if nothing is stored under it; ArtifactTampered if the bytes changed.
        """
        hexd = normalize_digest(digest)
        target = self.path_of(hexd)
        self.check_present()
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            raise NotFound(
                f"the artifact store at {self.root} holds no artifact {_short(hexd)}",
                "check that the registry and the artifact store given are the ones it was "
                "registered with",
            ) from None
        if sha256_hex(data) != hexd:
            raise _tampered(hexd, target)
        return data

    def _already_stored(self, digest: str, target: Path) -> bool:
        # A present file is never rewritten; but one whose bytes changed is reported, not
        # silently replaced, so the evidence of tampering stays for whoever investigates.
        if not target.exists():
            return False
        hasher = hashlib.sha256()
        with target.open("rb") as stored:
            while chunk := stored.read(_CHUNK):
                hasher.update(chunk)
        if hasher.hexdigest() != digest:
            raise _tampered(digest, target)
        return True

    def _place(self, tmp: Path, target: Path) -> None:
        # Read-only before it gets its name, so the file never appears writable under it.
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    # --- models ------------------------------------------------------------------------------

    def save_model(self, estimator: object) -> SavedModel:
        """Serialise ``estimator`` with skops, store it, and describe what was stored.

        BadInput if skops cannot serialise it.
        """
        import skops.io as sio

        from govern.registry.fingerprint import class_path
        from govern.registry.skops_trust import skops_types

        try:
            data = sio.dumps(estimator)
        except Exception as exc:
            raise BadInput(
                f"skops cannot save a {class_path(type(estimator))}: {exc}",
                "save the model as a scikit-learn compatible estimator",
            ) from exc
        digest = self.put_bytes(data)
        return SavedModel(digest, "skops", len(data), skops_types(data))

    def load_model(
        self,
        digest: str,
        *,
        format: str,
        trusted_pickle: bool = False,
        extra_trusted: Collection[str] = (),
    ) -> object:
        """Load a stored model after checking its bytes still match ``digest``.

        A skops file loads only if every type in it is on govern's allow-list (or in
        ``extra_trusted``); a pickle only with ``trusted_pickle``. BadInput otherwise.
        """
        from govern.registry.skops_trust import load_skops_bytes

        if format not in ("skops", "pickle"):
            raise BadInput(f"unknown model format {format!r}", "the formats are skops and pickle")
        if format == "pickle" and not trusted_pickle:
            # Refuse before reading, so the answer does not depend on the file.
            raise BadInput(
                "this model is stored as a pickle, which can run any code when loaded",
                "load it with pickle trust only if you trust the author of the file",
            )
        data = self.get_bytes(digest)
        if format == "skops":
            return load_skops_bytes(data, extra_trusted=extra_trusted)
        return _unpickle(data)

    def import_model_file(
        self, path: Path, *, trust_pickle: bool, extra_trusted: Collection[str] = ()
    ) -> SavedModel:
        """Check a model file and store it; the stored form is what later loads.

        ``.skops``: loaded with the allow-list, stored as is. ``.pkl``/``.pickle``/``.joblib``:
        refused without ``trust_pickle``; with it, loaded, then re-saved as skops if the
        allow-list accepts the result, else stored as the original bytes (format "pickle").
        Nothing is stored when the file is refused.
        """
        from govern.registry.fingerprint import reachable_types
        from govern.registry.skops_trust import load_skops_bytes, skops_types

        source = Path(path)
        suffix = source.suffix.lower()
        if suffix not in (SKOPS_SUFFIX, *PICKLE_SUFFIXES):
            raise BadInput(
                f"{source.name}: govern imports models from .skops, .pkl, .pickle or .joblib "
                "files only",
                "save the model with skops.io.dump (preferred) or joblib.dump",
            )
        if suffix in PICKLE_SUFFIXES and not trust_pickle:
            raise BadInput(
                f"{source.name}: a pickle file can run any code when loaded", PICKLE_HINT
            )
        try:
            data = source.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no file at {source}") from None

        if suffix == SKOPS_SUFFIX:
            load_skops_bytes(data, extra_trusted=extra_trusted)
            digest = self.put_bytes(data)
            return SavedModel(digest, "skops", len(data), skops_types(data))

        obj = _unpickle(data)
        converted = _as_trusted_skops(obj, extra_trusted)
        if converted is not None:
            digest = self.put_bytes(converted)
            return SavedModel(
                digest,
                "skops",
                len(converted),
                skops_types(converted),
                converted_from="pickle",
                trusted_pickle=True,
            )
        digest = self.put_bytes(data)
        return SavedModel(digest, "pickle", len(data), reachable_types(obj), trusted_pickle=True)


def _tampered(digest: str, target: Path) -> ArtifactTampered:
    return ArtifactTampered(
        f"the stored artifact {_short(digest)} no longer matches its digest: it was changed "
        "after registration",
        f"restore {target} from a trusted copy (its SHA-256 must be {digest}); keep the changed "
        "file aside for investigation",
    )


def _fsync_dir(folder: Path) -> None:
    # The new directory entry must reach the disk too, or a crash could lose the file.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unpickle(data: bytes) -> object:
    import joblib

    # joblib.load reads joblib files and plain pickles alike; only called with the caller's
    # explicit trust, since unpickling runs whatever code the file names.
    try:
        return joblib.load(io.BytesIO(data))
    except Exception as exc:
        raise BadInput(f"the pickle file cannot be loaded: {type(exc).__name__}: {exc}") from exc


def _as_trusted_skops(obj: object, extra_trusted: Collection[str]) -> bytes | None:
    """skops bytes for ``obj`` if skops can save it and the allow-list accepts the result."""
    import skops.io as sio

    from govern.registry.skops_trust import load_skops_bytes

    try:
        data: bytes = sio.dumps(obj)
        load_skops_bytes(data, extra_trusted=extra_trusted)
    except BadInput:
        return None
    except Exception:
        # skops cannot represent some objects; they stay pickles, loadable with trust only.
        return None
    return data


__all__ = [
    "PICKLE_HINT",
    "PICKLE_SUFFIXES",
    "SKOPS_SUFFIX",
    "ArtifactStore",
    "SavedModel",
    "normalize_digest",
    "sha256_hex",
]


def __getattr__(name: str) -> Any:
    if name == "model_fingerprint":  # moved to fingerprint.py; the old name goes in govern 0.3
        import warnings

        from govern.registry import fingerprint

        warnings.warn(
            "govern.registry.artifacts.model_fingerprint moved to "
            "govern.registry.fingerprint.model_fingerprint; the old name goes in govern 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return fingerprint.model_fingerprint
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
