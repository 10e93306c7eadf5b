"""C2SP tlog-checkpoint (govern.ledger.checkpoint)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from govern.errors import BadInput, CheckpointInvalid
from govern.ledger.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint_body,
    sign_checkpoint,
)
from govern.ledger.note import Signer, generate_signer_key, sign_note

ORIGIN = "bank.example/govern/credit-models"
ROOT = hashlib.sha256(b"some root").digest()
ROOT64 = base64.b64encode(ROOT).decode()


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.from_string(generate_signer_key(ORIGIN))


def test_body_format() -> None:
    cp = Checkpoint(ORIGIN, 20852163, ROOT)
    assert cp.body() == f"{ORIGIN}\n20852163\n{ROOT64}\n"
    ext = Checkpoint(ORIGIN, 0, ROOT, ("ext one", "ext two"))
    assert ext.body() == f"{ORIGIN}\n0\n{ROOT64}\next one\next two\n"


def test_spec_example_body_parses() -> None:
    # The example of c2sp.org/tlog-checkpoint (CC BY 4.0, the C2SP authors).
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cp = parse_checkpoint_body(body)
    assert (cp.origin, cp.size, cp.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert cp.body() == body


@pytest.mark.parametrize(
    "cp",
    [
        Checkpoint(ORIGIN, 0, hashlib.sha256(b"").digest()),
        Checkpoint(ORIGIN, 1, ROOT),
        Checkpoint(ORIGIN, 2**64 - 1, ROOT),
        Checkpoint("origin with spaces+plus", 7, ROOT, ("x",)),
    ],
)
def test_body_round_trip(cp: Checkpoint) -> None:
    assert parse_checkpoint_body(cp.body()) == cp


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\n",
        f"{ORIGIN}\n1\n{ROOT64}",  # no final newline
        f"{ORIGIN}\n1\n",  # no root
        f"\n1\n{ROOT64}\n",  # empty origin
        f"{ORIGIN}\n01\n{ROOT64}\n",  # leading zero
        f"{ORIGIN}\n00\n{ROOT64}\n",
        f"{ORIGIN}\n+1\n{ROOT64}\n",
        f"{ORIGIN}\n-1\n{ROOT64}\n",
        f"{ORIGIN}\n 1\n{ROOT64}\n",
        f"{ORIGIN}\n1.0\n{ROOT64}\n",
        f"{ORIGIN}\n\u0661\n{ROOT64}\n",  # Arabic-Indic digit one: int() would take it
        f"{ORIGIN}\n18446744073709551616\n{ROOT64}\n",  # 2^64
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT + b'x').decode()}\n",
        f"{ORIGIN}\n1\n{ROOT64[:-1]}\n",
        f"{ORIGIN}\n1\n{ROOT.hex()}\n",
        f"{ORIGIN}\n1\n{ROOT64}\n\n",  # empty extension line
        f"{ORIGIN}\n1\n{ROOT64}\next\n\nmore\n",
        f"{ORIGIN}\n1\n{ROOT64}\r\n",
        f"{ORIGIN}\t\n1\n{ROOT64}\n",
    ],
)
def test_parse_refuses(body: str) -> None:
    with pytest.raises(CheckpointInvalid):
        parse_checkpoint_body(body)


def test_parse_refuses_non_canonical_base64_root() -> None:
    # 32 bytes leave 2 unused bits in the last base64 digit; only zeros are canonical.
    last = ROOT64[-2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    other = alphabet[alphabet.index(last) ^ 1]
    assert base64.b64decode(ROOT64[:-2] + other + "=") == ROOT
    with pytest.raises(CheckpointInvalid):
        parse_checkpoint_body(f"{ORIGIN}\n1\n{ROOT64[:-2]}{other}=\n")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": "", "size": 1, "root": ROOT},
        {"origin": "a\nb", "size": 1, "root": ROOT},
        {"origin": ORIGIN, "size": -1, "root": ROOT},
        {"origin": ORIGIN, "size": 2**64, "root": ROOT},
        {"origin": ORIGIN, "size": 1, "root": ROOT[:31]},
        {"origin": ORIGIN, "size": 1, "root": ROOT, "extensions": ("",)},
        {"origin": ORIGIN, "size": 1, "root": ROOT, "extensions": ("a\nb",)},
    ],
)
def test_checkpoint_validates(kwargs: dict[str, object]) -> None:
    with pytest.raises(BadInput):
        Checkpoint(**kwargs)  # type: ignore[arg-type]


def test_sign_open_round_trip(signer: Signer) -> None:
    cp = Checkpoint(ORIGIN, 42, ROOT)
    note = sign_checkpoint(cp, signer)
    assert note.startswith(cp.body() + "\n— " + ORIGIN + " ")
    assert open_checkpoint(note, signer.verifier(), ORIGIN) == cp
    assert open_checkpoint(note, signer.verifier(), None) == cp
    assert open_checkpoint(note.encode(), signer.verifier()) == cp


def test_open_with_extensions_and_witness_cosignature(signer: Signer) -> None:
    cp = Checkpoint(ORIGIN, 3, ROOT, ("ext",))
    witness = Signer.from_string(generate_signer_key("witness.example/w1"))
    note = sign_checkpoint(cp, signer)
    extra = sign_note(cp.body(), witness).split("\n\n", 1)[1]
    # Signatures by keys the verifier does not know (witnesses, rotated keys) are ignored.
    assert open_checkpoint(note + extra, signer.verifier(), ORIGIN) == cp


def test_open_foreign_origin(signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint("other.example/log", 1, ROOT), signer)
    with pytest.raises(
        CheckpointInvalid, match=re.escape(f"from log 'other.example/log', not '{ORIGIN}'")
    ):
        open_checkpoint(note, signer.verifier(), ORIGIN)


def test_open_foreign_origin_other_key(signer: Signer) -> None:
    other = Signer.from_string(generate_signer_key("other.example/log"))
    note = sign_checkpoint(Checkpoint("other.example/log", 1, ROOT), other)
    with pytest.raises(
        CheckpointInvalid, match=r"this checkpoint is from log 'other\.example/log'"
    ):
        open_checkpoint(note, signer.verifier(), ORIGIN)


def test_open_wrong_key(signer: Signer) -> None:
    other = Signer.from_string(generate_signer_key(ORIGIN))  # same name, another key
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), other)
    with pytest.raises(CheckpointInvalid, match="signed by a different key: ") as info:
        open_checkpoint(note, signer.verifier(), ORIGIN)
    assert f"{other.key_id:08x}" in str(info.value)
    assert f"{signer.key_id:08x}" in str(info.value)


def test_open_bad_signature(signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), signer)
    altered = note.replace(f"\n1\n{ROOT64}", f"\n2\n{ROOT64}", 1)
    with pytest.raises(CheckpointInvalid, match=r"checkpoint's signature by .* does not verify"):
        open_checkpoint(altered, signer.verifier(), ORIGIN)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda n: n[:-1],
        lambda n: n.replace("\n\n", "\n"),
        lambda n: n.replace("— ", "-- "),
        lambda n: "garbage",
        lambda n: n.split("\n\n")[0] + "\n",
        lambda n: n.replace("\n", "\r\n"),
    ],
)
def test_open_corrupt_text(signer: Signer, corrupt: object) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), signer)
    assert callable(corrupt)
    with pytest.raises(CheckpointInvalid):
        open_checkpoint(corrupt(note), signer.verifier(), ORIGIN)


def test_open_signed_garbage_body(signer: Signer) -> None:
    # A validly signed note that is not a checkpoint is still refused.
    note = sign_note("just some text\n", signer)
    with pytest.raises(CheckpointInvalid, match="malformed"):
        open_checkpoint(note, signer.verifier(), None)


def test_any_flipped_byte_is_refused(signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 1234, ROOT), signer).encode()
    verifier = signer.verifier()
    for i in range(len(note)):
        for mask in (0x01, 0x02, 0x04, 0x20, 0x80):
            flipped = note[:i] + bytes([note[i] ^ mask]) + note[i + 1 :]
            with pytest.raises(CheckpointInvalid):
                open_checkpoint(flipped, verifier, None)
