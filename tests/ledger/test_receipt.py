"""C2SP tlog-proof receipts (govern.ledger.receipt).

Trees and proofs are built here with hashlib from RFC 9162 section 2.1 (MTH and PATH), apart from
the code under test. The Marshal/Unmarshal cases come from transparency-dev/formats, proof/
tlog_proof_test.go (Apache License 2.0, (c) Google LLC).
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from govern.errors import BadInput, CheckpointInvalid, ProofInvalid
from govern.ledger.checkpoint import Checkpoint, sign_checkpoint
from govern.ledger.note import Signer, generate_signer_key
from govern.ledger.receipt import (
    HEADER,
    Receipt,
    TlogProof,
    format_proof,
    format_receipt,
    open_receipt,
    parse_proof,
    verify_receipt,
)

ORIGIN = "bank.example/govern/credit-models"


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (RFC 9162 section 2.1.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 section 2.1.3.1: the inclusion proof of leaf m."""
    if len(leaves) <= 1:
        return []
    k = split(len(leaves))
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


ENTRIES = [f'{{"seq":{i},"kind":"prediction.logged"}}'.encode() for i in range(13)]
LEAVES = [leaf_hash(e) for e in ENTRIES]


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.from_string(generate_signer_key(ORIGIN))


def checkpoint_note(signer: Signer, size: int, origin: str = ORIGIN) -> str:
    return sign_checkpoint(Checkpoint(origin, size, mth(LEAVES[:size])), signer)


def receipt(signer: Signer, index: int, size: int) -> str:
    proof = path(index, LEAVES[:size])
    return format_receipt(ENTRIES[index], index, proof, checkpoint_note(signer, size))


# ---- format and parse ------------------------------------------------------------------------

H1 = hashlib.sha256(b"hash1").digest()
H2 = hashlib.sha256(b"hash2").digest()
B1, B2 = base64.b64encode(H1).decode(), base64.b64encode(H2).decode()
EXTRA64 = base64.b64encode(b"extra information").decode()
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# The same 32 bytes with a non-zero unused bit in the last digit: not canonical base64.
B1_LOOSE = B1[:-2] + _ALPHABET[_ALPHABET.index(B1[-2]) ^ 1] + "="


def test_format_matches_transparency_dev_marshal() -> None:
    assert (
        format_proof(5, [H1, H2], "test checkpoint\n")
        == f"c2sp.org/tlog-proof@v1\nindex 5\n{B1}\n{B2}\n\ntest checkpoint\n"
    )
    assert (
        format_proof(10, [H1], "checkpoint data\n", extra=b"extra information")
        == f"c2sp.org/tlog-proof@v1\nextra {EXTRA64}\nindex 10\n{B1}\n\ncheckpoint data\n"
    )
    assert format_proof(0, [], "checkpoint\n") == "c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n"


@pytest.mark.parametrize(
    "proof",
    [
        TlogProof(123, (H1, H2), "some checkpoint\n"),
        TlogProof(456, (H1,), "another\n\n— x y\n", b"some extra data"),
        TlogProof(789, (), "checkpoint\n"),
        TlogProof(0, (), "checkpoint\n", b""),
    ],
)
def test_parse_round_trip(proof: TlogProof) -> None:
    text = format_proof(proof.index, proof.proof, proof.checkpoint, proof.extra)
    assert parse_proof(text) == proof
    assert parse_proof(text.encode()) == proof


@pytest.mark.parametrize(
    "text",
    [
        # transparency-dev/formats TestUnmarshalErrors
        "wrong-header\nindex 0\n\ncheckpoint\n",
        f"{HEADER}\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n",
        f"{HEADER}\n\n\ncheckpoint\n",
        f"{HEADER}\nindex notanumber\n\ncheckpoint\n",
        f"{HEADER}\nindex -5\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\n!!notbase64!!\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\n{base64.b64encode(bytes(64)).decode()}\n\ncheckpoint\n",
        # and stricter ones
        f"{HEADER}\nindex 01\n\ncheckpoint\n",
        f"{HEADER}\nindex +1\n\ncheckpoint\n",
        f"{HEADER}\nindex 18446744073709551615\n\ncheckpoint\n",
        f"{HEADER}\nindex  1\n\ncheckpoint\n",
        f"{HEADER}\nindex\n\ncheckpoint\n",
        f"{HEADER}\nindex 1\n",
        f"{HEADER}\nindex 1\n\n",
        f"{HEADER}\nindex 1\n{B1}",
        f"{HEADER} \nindex 1\n\ncheckpoint\n",
        "c2sp.org/tlog-proof@v2\nindex 1\n\ncheckpoint\n",
        f"{HEADER}\r\nindex 1\r\n\r\ncheckpoint\r\n",
        f"{HEADER}\nindex 1\nextra {EXTRA64}\n\ncheckpoint\n",  # extra after index
        f"{HEADER}\nextra {EXTRA64}\nextra {EXTRA64}\nindex 1\n\ncheckpoint\n",
        f"{HEADER}\nextra {EXTRA64[:-1]}\nindex 1\n\ncheckpoint\n",
        f"{HEADER}\nindex 1\n{B1_LOOSE}\n\ncheckpoint\n",
        f"{HEADER}\nindex 1\n{B1}\n \n\ncheckpoint\n",
        f"{HEADER}\nindex 1\n" + f"{B1}\n" * 65 + "\ncheckpoint\n",
        "",
    ],
)
def test_parse_refuses(text: str) -> None:
    assert base64.b64decode(B1_LOOSE) == H1
    with pytest.raises(CheckpointInvalid):
        parse_proof(text)


def test_parse_refuses_invalid_utf8() -> None:
    with pytest.raises(CheckpointInvalid, match="UTF-8"):
        parse_proof(f"{HEADER}\nindex 1\n\n".encode() + b"\xff\n")


@pytest.mark.parametrize(
    ("index", "proof", "note"),
    [(-1, [], "cp\n"), (0, [H1[:31]], "cp\n"), (0, [H1] * 65, "cp\n"), (0, [], "cp")],
)
def test_format_refuses(index: int, proof: list[bytes], note: str) -> None:
    with pytest.raises(BadInput):
        format_proof(index, proof, note)


# ---- verification ----------------------------------------------------------------------------


def test_every_index_of_every_size_verifies(signer: Signer) -> None:
    verifier = signer.verifier()
    for size in range(1, len(ENTRIES) + 1):
        note = checkpoint_note(signer, size)
        for index in range(size):
            text = format_proof(index, path(index, LEAVES[:size]), note)
            cp = verify_receipt(text, ENTRIES[index], verifier, ORIGIN)
            assert (cp.size, cp.root) == (size, mth(LEAVES[:size]))
            # a neighbour's bytes are not at this index
            other = ENTRIES[(index + 1) % size]
            if size > 1:
                with pytest.raises(ProofInvalid, match="does not prove that this entry is in"):
                    verify_receipt(text, other, verifier, ORIGIN)


def test_receipt_file_round_trip(signer: Signer) -> None:
    text = receipt(signer, 6, 11)
    assert text.startswith(f"{HEADER}\nextra {base64.b64encode(ENTRIES[6]).decode()}\nindex 6\n")
    got = open_receipt(text, signer.verifier(), ORIGIN)
    assert got == Receipt(ENTRIES[6], 6, Checkpoint(ORIGIN, 11, mth(LEAVES[:11])))
    assert verify_receipt(text, ENTRIES[6], signer.verifier(), ORIGIN) == got.checkpoint


def test_open_receipt_needs_the_entry(signer: Signer) -> None:
    text = format_proof(2, path(2, LEAVES[:5]), checkpoint_note(signer, 5))
    assert verify_receipt(text, ENTRIES[2], signer.verifier(), ORIGIN).size == 5
    with pytest.raises(CheckpointInvalid, match="does not carry the entry"):
        open_receipt(text, signer.verifier(), ORIGIN)


def test_extra_must_be_the_given_entry(signer: Signer) -> None:
    with pytest.raises(ProofInvalid, match="different entry"):
        verify_receipt(receipt(signer, 3, 8), ENTRIES[4], signer.verifier(), ORIGIN)


def test_substituted_entry_in_receipt_file(signer: Signer) -> None:
    note = checkpoint_note(signer, 8)
    forged = format_receipt(b'{"seq":3,"forged":true}', 3, path(3, LEAVES[:8]), note)
    with pytest.raises(ProofInvalid, match="does not prove that this entry is in"):
        open_receipt(forged, signer.verifier(), ORIGIN)


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p[:-1],  # truncated
        lambda p: [*p, p[0]],  # extended
        lambda p: p[::-1],  # reordered
        lambda p: [bytes(32), *p[1:]],  # wrong hash
        lambda p: [],
    ],
)
def test_bad_proofs(signer: Signer, change: object) -> None:
    assert callable(change)
    proof = change(path(5, LEAVES[:13]))
    text = format_receipt(ENTRIES[5], 5, proof, checkpoint_note(signer, 13))
    with pytest.raises(ProofInvalid, match="does not prove that this entry is in"):
        open_receipt(text, signer.verifier(), ORIGIN)


def test_wrong_index(signer: Signer) -> None:
    text = format_receipt(ENTRIES[5], 4, path(5, LEAVES[:13]), checkpoint_note(signer, 13))
    with pytest.raises(ProofInvalid, match="does not prove that this entry is in"):
        open_receipt(text, signer.verifier(), ORIGIN)


def test_index_beyond_checkpoint(signer: Signer) -> None:
    text = format_receipt(ENTRIES[5], 5, path(5, LEAVES[:6]), checkpoint_note(signer, 5))
    with pytest.raises(ProofInvalid, match="cannot be in a tree of size 5"):
        open_receipt(text, signer.verifier(), ORIGIN)


def test_empty_tree_proves_nothing(signer: Signer) -> None:
    text = format_receipt(ENTRIES[0], 0, [], checkpoint_note(signer, 0))
    with pytest.raises(ProofInvalid, match="cannot be in a tree of size 0"):
        open_receipt(text, signer.verifier(), ORIGIN)


def test_checkpoint_refusals_carry_through(signer: Signer) -> None:
    other_log = format_receipt(
        ENTRIES[1], 1, path(1, LEAVES[:4]), checkpoint_note(signer, 4, origin="other.example/log")
    )
    with pytest.raises(CheckpointInvalid, match=r"from log 'other\.example/log'"):
        open_receipt(other_log, signer.verifier(), ORIGIN)
    other_key = Signer.from_string(generate_signer_key(ORIGIN)).verifier()
    with pytest.raises(CheckpointInvalid, match="signed by a different key"):
        open_receipt(receipt(signer, 1, 4), other_key, ORIGIN)


def test_any_flipped_byte_is_refused(signer: Signer) -> None:
    text = receipt(signer, 9, 12).encode()
    verifier = signer.verifier()
    for i in range(len(text)):
        for mask in (0x01, 0x02, 0x20, 0x80):
            flipped = text[:i] + bytes([text[i] ^ mask]) + text[i + 1 :]
            with pytest.raises((CheckpointInvalid, ProofInvalid)):
                open_receipt(flipped, verifier, None)
            with pytest.raises((CheckpointInvalid, ProofInvalid)):
                verify_receipt(flipped, ENTRIES[9], verifier, None)
