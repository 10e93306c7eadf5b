"""Every signature in the demo's ledger verifies with OpenSSH's own `ssh-keygen -Y verify`,
against the key enrolled for its signer, in the namespace of its purpose; and a changed byte of
the statement fails it. Without ssh-keygen the test skips; with GOVERN_REQUIRE_INTEROP=1 (CI) it
fails instead."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from govern.demo import run_demo
from govern.ledger import Ledger, canonicalize
from govern.records import (
    ApprovalSigned,
    KeyRotated,
    PersonEnrolled,
    PredictionLogged,
    Record,
    read,
)
from govern.registry.signing import namespace

pytestmark = pytest.mark.interop


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        if os.environ.get("GOVERN_REQUIRE_INTEROP") == "1":
            pytest.fail("ssh-keygen is not on PATH (GOVERN_REQUIRE_INTEROP=1)")
        pytest.skip("ssh-keygen is not on PATH")
    return found


def _verify(program: str, folder: Path, who: str, key: str, ns: str, sig: str, msg: bytes) -> bool:
    allowed = folder / "allowed_signers"
    allowed.write_text(f"{who} {key}\n", encoding="utf-8")
    (folder / "sig").write_text(sig, encoding="ascii")
    done = subprocess.run(
        [
            program,
            "-Y",
            "verify",
            "-f",
            str(allowed),
            "-I",
            who,
            "-n",
            ns,
            "-s",
            str(folder / "sig"),
        ],
        input=msg,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.slow
def test_every_signature_in_the_demo_verifies_with_ssh_keygen(tmp_path: Path) -> None:
    program = _ssh_keygen()
    run_demo(tmp_path / "demo")
    keys: dict[str, str] = {}  # name -> enrolled public key, as the log stood
    checked = 0
    unsigned: list[int] = []
    with Ledger.open("sqlite:///" + str(tmp_path / "demo" / "registry.db"), readonly=True) as log:
        host = log.origin.split("/", 1)[0]
        for entry in log.entries():
            if entry.kind == PredictionLogged.KIND:
                continue  # signed by its batch's statement, checked with it
            record: Record = read(entry)
            if record.PURPOSE is None:
                continue
            signature = getattr(record, "signature", None)
            if signature is None:
                unsigned.append(entry.seq)
                continue
            if isinstance(record, PersonEnrolled):
                keys[record.name] = record.ssh_public_key
            if isinstance(record, KeyRotated):  # pragma: no cover - the demo rotates no key
                keys[record.name] = record.ssh_public_key
            message = canonicalize(record.to_statement())
            ns = namespace(record.PURPOSE, log.origin)
            assert ns.endswith("@" + host)
            who = entry.actor
            if isinstance(record, ApprovalSigned):
                assert record.statement.signer == who
            assert _verify(program, tmp_path, who, keys[who], ns, signature, message), entry.seq
            checked += 1
            if checked <= 3:  # a changed byte fails it, as ssh-keygen sees it
                tampered = message.replace(b'"', b"'", 1)
                assert not _verify(program, tmp_path, who, keys[who], ns, signature, tampered)
    assert unsigned == []  # the demo's ledger has no unsigned entry
    assert checked >= 20
