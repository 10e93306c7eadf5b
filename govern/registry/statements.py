"""The two steps of signing elsewhere: write the statement, sign it with ``ssh-keygen -Y sign``
on the signer's own workstation, then record it (docs/registry.md, "Signing elsewhere").

Any command that records something can write its statement instead (``--statement-out FILE``):
the exact RFC 8785 bytes its author signs. Run again with ``--signed FILE``, the same command
builds the same record, checks that the statement signs exactly it, and records it with the
signature from ``FILE.sig``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from govern.errors import BadInput

__all__ = ["Presigned", "StatementWritten", "write_statement"]


class StatementWritten(Exception):
    """The first of the two steps: the statement is in ``path``, to be signed elsewhere
    (``ssh-keygen -Y sign -n NAMESPACE``); nothing was recorded."""

    def __init__(self, path: Path, kind: str, ns: str) -> None:
        super().__init__(f"statement written: {path}")
        self.path, self.kind, self.namespace = path, kind, ns


@dataclass(frozen=True)
class Presigned:
    """The second step: a statement written by the first and its signature made elsewhere."""

    statement: bytes
    signature: str
    path: Path

    @classmethod
    def read(cls, path: Path, signature: Path | None = None) -> Presigned:
        sig = signature or path.with_name(path.name + ".sig")
        try:
            return cls(path.read_bytes(), sig.read_text("ascii"), path)
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(
                f"cannot read the signed statement {path} or its signature {sig}: {exc}",
                hint="sign the statement with `ssh-keygen -Y sign` first; it writes FILE.sig",
            ) from None


def write_statement(path: Path, statement: bytes, kind: str, ns: str) -> None:
    """Write a statement to sign (never over an existing file) and signal the first step."""
    try:
        with open(path, "xb") as out:
            out.write(statement)
    except FileExistsError:
        raise BadInput(
            f"{path} already exists", hint="choose a new file for the statement"
        ) from None
    except OSError as exc:
        raise BadInput(f"cannot write the statement to {path}: {exc.strerror or exc}") from None
    raise StatementWritten(path, kind, ns)
