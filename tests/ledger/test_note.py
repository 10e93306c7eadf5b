"""C2SP signed-note with Ed25519 (govern.ledger.note).

The PeterNeumann and EnochRoot keys and signatures are the published examples of Go's
golang.org/x/mod/sumdb/note (note.go, note_test.go; BSD-style licence, (c) The Go Authors).
Ed25519 is deterministic, so signing the same text with the same key must give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from govern.errors import BadInput, CheckpointInvalid, GovernError, SignatureInvalid
from govern.ledger.note import (
    NoteSignature,
    Signer,
    Verifier,
    generate_signer_key,
    open_note,
    sign_note,
    split_note,
    verifier_from_signer,
)

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_B64 = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
ENOCH_B64 = (
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
)
PETER_SIG = f"— PeterNeumann {PETER_B64}\n"
ENOCH_SIG = f"— EnochRoot {ENOCH_B64}\n"


@pytest.fixture
def peter() -> Verifier:
    return Verifier.from_string(PETER_VKEY)


@pytest.fixture
def enoch() -> Verifier:
    return Verifier.from_string(ENOCH_VKEY)


# ---- keys ------------------------------------------------------------------------------------


def test_go_example_keys_parse() -> None:
    signer = Signer.from_string(PETER_SKEY)
    assert (signer.name, signer.key_id) == ("PeterNeumann", 0xC74F20A3)
    assert signer.to_string() == PETER_SKEY
    assert verifier_from_signer(PETER_SKEY) == PETER_VKEY
    verifier = Verifier.from_string(PETER_VKEY)
    assert verifier == signer.verifier()
    assert verifier.to_string() == PETER_VKEY


def test_key_id_is_sha256_of_name_newline_type_and_public_key() -> None:
    verifier = Verifier.from_string(PETER_VKEY)
    digest = hashlib.sha256(b"PeterNeumann\n\x01" + verifier.public_key).digest()
    assert verifier.key_id == int.from_bytes(digest[:4], "big")


def test_generated_key_round_trip() -> None:
    skey = generate_signer_key("bank.example/govern/credit-models")
    prefix, key, name, hex_id, key64 = skey.split("+", 4)
    assert (prefix, key, name) == ("PRIVATE", "KEY", "bank.example/govern/credit-models")
    assert len(hex_id) == 8 and hex_id == hex_id.lower()
    raw = base64.b64decode(key64)
    assert raw[0] == 0x01 and len(raw) == 33
    signer = Signer.from_string(skey)
    vkey = verifier_from_signer(skey)
    assert vkey.startswith(f"bank.example/govern/credit-models+{hex_id}+")
    assert Verifier.from_string(vkey) == signer.verifier()
    msg = b"hello\n"
    assert Verifier.from_string(vkey).verify(msg, signer.sign(msg))


def test_generated_keys_differ() -> None:
    assert generate_signer_key("a.example/log") != generate_signer_key("a.example/log")


def test_signer_repr_hides_the_secret() -> None:
    signer = Signer.from_string(PETER_SKEY)
    assert "AYEKFALV" not in repr(signer)
    assert "seed" not in repr(signer)


@pytest.mark.parametrize(
    "name", ["", "has space", "has+plus", "tab\there", "nbsp\xa0here", "ideo\u3000space", "ctl\x01"]
)
def test_invalid_key_names_refused(name: str) -> None:
    with pytest.raises(BadInput):
        generate_signer_key(name)


def test_verify_rejects_corrupt_signature_and_message() -> None:
    signer = Signer.from_string(PETER_SKEY)
    verifier = signer.verifier()
    sig = signer.sign(b"hi")
    assert verifier.verify(b"hi", sig)
    assert not verifier.verify(b"hi", bytes([sig[0] ^ 1]) + sig[1:])
    assert not verifier.verify(b"hj", sig)
    assert not verifier.verify(b"hi", sig[:-1])
    assert not verifier.verify(b"hi", b"")


def _manglings(key: str) -> list[str]:
    """Every proper substring and every one-byte increment of ``key`` (as Go's note_test.go)."""
    out = {key[i:j] for i in range(len(key) + 1) for j in range(i + 1, len(key) + 1)}
    out.discard(key)
    out |= {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
    return sorted(out)


def test_mangled_verifier_keys_refused() -> None:
    for bad in _manglings(PETER_VKEY):
        with pytest.raises((BadInput, SignatureInvalid)):
            Verifier.from_string(bad)


def test_mangled_signer_keys_refused() -> None:
    for bad in _manglings(PETER_SKEY):
        with pytest.raises((BadInput, SignatureInvalid)):
            Signer.from_string(bad)


@pytest.mark.parametrize(
    ("vkey", "error"),
    [
        # Go's note_test.go: wrong length key, and unknown algorithm, each with a fitting key id.
        ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", BadInput),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", BadInput),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", SignatureInvalid),
        ("PeterNeumann+c74f20a3", BadInput),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", BadInput),
        ("PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", BadInput),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", BadInput),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", BadInput),
        ("PeterNeumann+c74f20a3+", BadInput),
    ],
)
def test_bad_verifier_keys(vkey: str, error: type[GovernError]) -> None:
    with pytest.raises(error):
        Verifier.from_string(vkey)


def test_key_ids_accept_upper_case_hex_like_go() -> None:
    assert Verifier.from_string(PETER_VKEY.replace("c74f20a3", "C74F20A3")).key_id == 0xC74F20A3


def test_signer_key_refusals_do_not_echo_the_secret() -> None:
    bad = PETER_SKEY.replace("PRIVATE", "PRIVATF")
    with pytest.raises(BadInput) as info:
        Signer.from_string(bad)
    assert "AYEKFALV" not in str(info.value)


def test_dataclasses_validate_direct_construction() -> None:
    verifier = Verifier.from_string(PETER_VKEY)
    with pytest.raises(SignatureInvalid):
        Verifier(name="Other", key_id=verifier.key_id, public_key=verifier.public_key)
    with pytest.raises(BadInput):
        Verifier(name="PeterNeumann", key_id=verifier.key_id, public_key=b"\x00" * 31)
    with pytest.raises(BadInput):
        Signer(name="PeterNeumann", key_id=0xC74F20A3, seed=b"\x00" * 31)


# ---- signing ---------------------------------------------------------------------------------


def test_sign_matches_go_example_byte_for_byte() -> None:
    assert sign_note(TEXT, Signer.from_string(PETER_SKEY)) == TEXT + "\n" + PETER_SIG


def test_sign_open_round_trip(peter: Verifier) -> None:
    signer = Signer.from_string(generate_signer_key("log.example/x"))
    text = "line one\n\nline three after an empty line\n"
    note = sign_note(text, signer)
    got, sigs = open_note(note, [signer.verifier()])
    assert got == text
    assert [s.key for s in sigs] == [f"log.example/x+{signer.key_id:08x}"]
    # bytes in, same result
    assert open_note(note.encode(), [signer.verifier(), peter])[0] == text


@pytest.mark.parametrize("text", ["no newline", "", "tab\there\n", "cr\r\n", "nul\x00\n"])
def test_sign_refuses_bad_text(text: str) -> None:
    with pytest.raises(BadInput):
        sign_note(text, Signer.from_string(PETER_SKEY))


# ---- opening: Go's TestOpen cases ------------------------------------------------------------


def test_open_one_known_one_unknown(peter: Verifier) -> None:
    text, sigs = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter])
    assert text == TEXT
    assert sigs == [NoteSignature("PeterNeumann", 0xC74F20A3, base64.b64decode(PETER_B64)[4:])]


def test_open_both_known(peter: Verifier, enoch: Verifier) -> None:
    _, sigs = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter, enoch])
    assert [(s.name, s.key_id) for s in sigs] == [
        ("PeterNeumann", 0xC74F20A3),
        ("EnochRoot", 0xAF0CFE78),
    ]


def test_open_no_known_signature(enoch: Verifier) -> None:
    with pytest.raises(CheckpointInvalid, match="signed by a different key: PeterNeumann"):
        open_note(TEXT + "\n" + PETER_SIG, [enoch])


def test_open_needs_a_trusted_key() -> None:
    with pytest.raises(BadInput):
        open_note(TEXT + "\n" + PETER_SIG, [])


def test_open_same_name_other_id_is_unknown(peter: Verifier) -> None:
    # Signed-note: a key that shares only the name (or only the id) with a known key is ignored.
    other = base64.b64encode(b"\x00\x00\x00\x01" + base64.b64decode(PETER_B64)[4:]).decode()
    _, sigs = open_note(TEXT + "\n" + f"— PeterNeumann {other}\n" + PETER_SIG, [peter])
    assert [s.key_id for s in sigs] == [0xC74F20A3]
    with pytest.raises(CheckpointInvalid, match="different key"):
        open_note(TEXT + "\n" + f"— PeterNeumann {other}\n", [peter])


def test_open_known_key_bad_signature_rejects_note(peter: Verifier) -> None:
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(CheckpointInvalid, match=r"signature by PeterNeumann\+c74f20a3 does not"):
        open_note(TEXT + "\n" + bad, [peter])
    # even when a good signature by another trusted key is present
    with pytest.raises(CheckpointInvalid):
        open_note(TEXT + "\n" + ENOCH_SIG + bad, [peter, Verifier.from_string(ENOCH_VKEY)])


def test_open_duplicates(peter: Verifier) -> None:
    enoch_abcd = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    note = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
    _, sigs = open_note(note, [peter])
    assert [s.key for s in sigs] == ["PeterNeumann+c74f20a3"]


def test_open_duplicate_known_signature_is_verified_too(peter: Verifier) -> None:
    # Stricter than Go, which skips a known key's repeated line unverified.
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(CheckpointInvalid):
        open_note(TEXT + "\n" + PETER_SIG + bad, [peter])


def test_open_identical_trusted_key_twice_is_fine(peter: Verifier) -> None:
    assert open_note(TEXT + "\n" + PETER_SIG, [peter, peter])[0] == TEXT


def test_open_too_many_signatures(peter: Verifier) -> None:
    with pytest.raises(CheckpointInvalid, match="more than 100"):
        open_note(TEXT + "\n" + PETER_SIG * 101, [peter])
    # 100 is accepted (the spec requires at least 16)
    assert open_note(TEXT + "\n" + ENOCH_SIG * 99 + PETER_SIG, [peter])[0] == TEXT


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + "— Bad Name " + PETER_B64 + "\n",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + "- PeterNeumann " + PETER_B64 + "\n",  # hyphen, not em dash
        TEXT + "\n" + "— PeterNeumann\n",
        TEXT + "\n" + "— PeterNeumann \n",
        TEXT + "\n" + "— PeterNeumann " + PETER_B64 + " \n",
        TEXT + "\n" + "— PeterNeumann AAAAAA==\n",  # 4 bytes: a key id but no signature
        TEXT + "\n" + "— PeterNeumann " + PETER_B64[:-1] + "\n",
        TEXT + "\n" + "— PeterNeumann " + PETER_B64[:-2] + "N=\n",  # non-canonical base64
        TEXT + "\n" + PETER_SIG.replace("\n", "\r\n"),
        TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
        TEXT + "\n\n" + PETER_SIG + "\n",
        "",
    ],
)
def test_open_malformed(note: str, peter: Verifier) -> None:
    with pytest.raises(CheckpointInvalid):
        open_note(note, [peter])


def test_open_invalid_utf8(peter: Verifier) -> None:
    with pytest.raises(CheckpointInvalid, match="UTF-8"):
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [peter])
    with pytest.raises(CheckpointInvalid, match="UTF-8"):
        open_note("\ud800" + TEXT + "\n" + PETER_SIG, [peter])


def test_any_flipped_byte_is_refused(peter: Verifier) -> None:
    note = (TEXT + "\n" + PETER_SIG).encode()
    for i in range(len(note)):
        for mask in (0x01, 0x02, 0x20, 0x80):
            flipped = note[:i] + bytes([note[i] ^ mask]) + note[i + 1 :]
            with pytest.raises(CheckpointInvalid):
                open_note(flipped, [peter])


def test_split_note_reads_without_verifying() -> None:
    text, sigs = split_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG)
    assert text == TEXT
    assert [s.key for s in sigs] == ["PeterNeumann+c74f20a3", "EnochRoot+af0cfe78"]


def test_c2sp_signed_note_example_parses() -> None:
    # The example of c2sp.org/signed-note (CC BY 4.0, the C2SP authors): an empty line inside the
    # text; the text ends at the last empty line.
    note = (
        "Ognuno sta solo sul cuor della terra\n"
        "trafitto da un raggio di sole:\n\ned è subito sera.\n"
        "\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKON"
        "rMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
    )
    text, sigs = split_note(note)
    assert text.endswith("\n\ned è subito sera.\n")
    assert sigs[0].name == "quasimodo.example/salvatore"
    assert len(sigs[0].signature) == 64
