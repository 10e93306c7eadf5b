"""Tests for govern.registry.sshsig: OpenSSH signatures (PROTOCOL.sshsig, PROTOCOL.u2f).

Signatures for the key types govern cannot make itself (ECDSA, RSA, FIDO security keys) are built
here with an encoder written separately from the module's, so the two check each other; the
`interop` tests then check both against OpenSSH's own `ssh-keygen`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from govern.errors import BadInput, NotFound, SignatureInvalid
from govern.registry import sshsig
from govern.registry.sshsig import (
    PublicKey,
    load_private_key,
    new_keypair,
    parse_public_key,
    sign_ed25519,
    sign_with_ssh_keygen,
    signer_of,
    verify,
)

NS = "approval@bank.example"
MESSAGE = b'{"decision":"approve","model":"credit-scorecard","version":"3"}'
REQUIRE_INTEROP = os.environ.get("GOVERN_REQUIRE_INTEROP") == "1"


# --- an encoder independent of the module's (RFC 4251 sec. 5, PROTOCOL.sshsig, PROTOCOL.u2f) ----


def s(data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return len(raw).to_bytes(4, "big") + raw


def mpint(n: int) -> bytes:
    # Positive numbers whose top bit is set get a leading zero byte (RFC 4251 sec. 5).
    return s(n.to_bytes((n.bit_length() + 8) // 8, "big") if n else b"")


def armor(blob: bytes) -> str:
    b64 = base64.b64encode(blob).decode()
    body = "\n".join(b64[i : i + 70] for i in range(0, len(b64), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n"


def dearmor(text: str) -> bytes:
    return base64.b64decode("".join(text.strip().splitlines()[1:-1]))


def to_be_signed(namespace: str, hash_alg: str, message: bytes) -> bytes:
    digest = hashlib.new(hash_alg, message).digest()
    return b"SSHSIG" + s(namespace) + s(b"") + s(hash_alg) + s(digest)


def sshsig_blob(
    key_blob: bytes,
    namespace: str,
    sig_blob: bytes,
    *,
    hash_alg: str = "sha512",
    reserved: bytes = b"",
    magic: bytes = b"SSHSIG",
    version: int = 1,
) -> bytes:
    return (
        magic
        + version.to_bytes(4, "big")
        + s(key_blob)
        + s(namespace)
        + s(reserved)
        + s(hash_alg)
        + s(sig_blob)
    )


def key_of(key_blob: bytes) -> PublicKey:
    key_type = key_blob[4 : 4 + int.from_bytes(key_blob[:4], "big")].decode()
    return parse_public_key(f"{key_type} {base64.b64encode(key_blob).decode()} test key")


@dataclass
class Signed:
    key: PublicKey
    armored: str


Signer = Callable[..., Signed]


def sign_ecdsa_p256(message: bytes, namespace: str = NS, **_: object) -> Signed:
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    key_blob = s("ecdsa-sha2-nistp256") + s("nistp256") + s(point)
    der = private.sign(to_be_signed(namespace, "sha512", message), ec.ECDSA(hashes.SHA256()))
    r, s_ = decode_dss_signature(der)
    sig = s("ecdsa-sha2-nistp256") + s(mpint(r) + mpint(s_))
    return Signed(key_of(key_blob), armor(sshsig_blob(key_blob, namespace, sig)))


_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign_rsa(
    message: bytes, namespace: str = NS, *, alg: str = "rsa-sha2-512", **_: object
) -> Signed:
    numbers = _RSA_KEY.public_key().public_numbers()
    key_blob = s("ssh-rsa") + mpint(numbers.e) + mpint(numbers.n)
    digest = {"rsa-sha2-256": hashes.SHA256(), "rsa-sha2-512": hashes.SHA512()}.get(
        alg, hashes.SHA1()
    )
    raw = _RSA_KEY.sign(to_be_signed(namespace, "sha512", message), padding.PKCS1v15(), digest)
    sig = s(alg) + s(raw)
    return Signed(key_of(key_blob), armor(sshsig_blob(key_blob, namespace, sig)))


def u2f_data(app: bytes, flags: int, counter: int, signed: bytes) -> bytes:
    """What the authenticator signs (PROTOCOL.u2f "SSH U2F signatures")."""
    return (
        hashlib.sha256(app).digest()
        + bytes([flags])
        + counter.to_bytes(4, "big")
        + hashlib.sha256(signed).digest()
    )


def sign_sk_ed25519(
    message: bytes, namespace: str = NS, *, flags: int = 0x01, counter: int = 7, **_: object
) -> Signed:
    """An sk-ssh-ed25519 signature made in software: a plain Ed25519 key does the FIDO part."""
    private = Ed25519PrivateKey.generate()
    kt = "sk-ssh-ed25519@openssh.com"
    key_blob = s(kt) + s(private.public_key().public_bytes_raw()) + s("ssh:")
    raw = private.sign(
        u2f_data(b"ssh:", flags, counter, to_be_signed(namespace, "sha512", message))
    )
    sig = s(kt) + s(raw) + bytes([flags]) + counter.to_bytes(4, "big")
    return Signed(key_of(key_blob), armor(sshsig_blob(key_blob, namespace, sig)))


def sign_sk_ecdsa(
    message: bytes, namespace: str = NS, *, flags: int = 0x01, counter: int = 7, **_: object
) -> Signed:
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    kt = "sk-ecdsa-sha2-nistp256@openssh.com"
    key_blob = s(kt) + s("nistp256") + s(point) + s("ssh:")
    data = u2f_data(b"ssh:", flags, counter, to_be_signed(namespace, "sha512", message))
    r, s_ = decode_dss_signature(private.sign(data, ec.ECDSA(hashes.SHA256())))
    sig = s(kt) + s(mpint(r) + mpint(s_)) + bytes([flags]) + counter.to_bytes(4, "big")
    return Signed(key_of(key_blob), armor(sshsig_blob(key_blob, namespace, sig)))


def sign_ed(message: bytes, namespace: str = NS, **_: object) -> Signed:
    private = Ed25519PrivateKey.generate()
    armored = sign_ed25519(message, private, namespace)
    return Signed(signer_of(armored), armored)


SIGNERS: dict[str, Signer] = {
    "ed25519": sign_ed,
    "ecdsa-p256": sign_ecdsa_p256,
    "rsa-sha2-512": sign_rsa,
    "rsa-sha2-256": lambda m, ns=NS, **kw: sign_rsa(m, ns, alg="rsa-sha2-256"),
    "sk-ed25519": sign_sk_ed25519,
    "sk-ecdsa-p256": sign_sk_ecdsa,
}


def refused(match: str, call: Callable[[], object]) -> SignatureInvalid:
    with pytest.raises(SignatureInvalid, match=match) as info:
        call()
    assert info.value.exit_code == 7
    return info.value


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("hash_alg", ["sha256", "sha512"])
def test_sign_ed25519_round_trip(hash_alg: str) -> None:
    private = Ed25519PrivateKey.generate()
    armored = sign_ed25519(MESSAGE, private, NS, hash_alg=hash_alg)
    key = signer_of(armored)
    assert key.key_type == "ssh-ed25519"
    assert key.blob == s("ssh-ed25519") + s(private.public_key().public_bytes_raw())
    verify(MESSAGE, armored, key, NS)
    # The test's own reading of the blob agrees with the module's writing of it.
    assert sshsig_blob(key.blob, NS, dearmor(armored)[-87:][4:], hash_alg=hash_alg) == dearmor(
        armored
    )


def test_sign_ed25519_is_armored_like_ssh_keygen() -> None:
    armored = sign_ed25519(MESSAGE, Ed25519PrivateKey.generate(), NS)
    lines = armored.split("\n")
    assert lines[0] == "-----BEGIN SSH SIGNATURE-----"
    assert lines[-2:] == ["-----END SSH SIGNATURE-----", ""]
    body = lines[1:-2]
    assert all(len(line) == 70 for line in body[:-1]) and 0 < len(body[-1]) <= 70
    assert armored == armor(dearmor(armored))


def test_sign_ed25519_with_a_key_file(tmp_path: Path) -> None:
    key = new_keypair(tmp_path / "officer", "officer@bank.example")
    armored = sign_ed25519(MESSAGE, tmp_path / "officer", NS)
    verify(MESSAGE, armored, key, NS)


@pytest.mark.parametrize("kind", list(SIGNERS))
def test_signatures_of_every_key_type_verify(kind: str) -> None:
    signed = SIGNERS[kind](MESSAGE)
    verify(MESSAGE, signed.armored, signed.key, NS)
    assert signer_of(signed.armored) == signed.key
    refused(
        "does not match the statement",
        lambda: verify(b"x" + MESSAGE, signed.armored, signed.key, NS),
    )


def test_verify_accepts_crlf_and_surrounding_whitespace() -> None:
    signed = sign_ed(MESSAGE)
    verify(MESSAGE, "\r\n  " + signed.armored.replace("\n", "\r\n") + "\n\n", signed.key, NS)


def test_empty_message_and_large_message() -> None:
    private = Ed25519PrivateKey.generate()
    for message in (b"", os.urandom(3_000_000)):
        armored = sign_ed25519(message, private, NS)
        verify(message, armored, signer_of(armored), NS)


# --- OpenSSH's own test vectors ----------------------------------------------------------------
# From OpenSSH (openssh-portable) regress/unittests/sshsig/testdata, as of commit
# 5edfa1690e9a75048971fd8775f7c16d153779db; made by ssh-keygen (mktestdata.sh), the -sk ones
# through OpenSSH's sk-dummy FIDO middleware and the webauthn one in a browser. OpenSSH is
# distributed under a BSD licence; the sshsig regress test says "Placed in the public domain".
# The fingerprints are as `ssh-keygen -lf` (OpenSSH 9.2p1) prints them.

OPENSSH_NAMESPACE = "unittest"
OPENSSH_MESSAGE = b"This is a test, this is only a test"

OPENSSH_VECTORS: dict[str, tuple[str, str, str]] = {
    "ed25519": (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIlizSIN3DQV78VPNjVvvwjgf+P5HqbPYCYu3BOMdjAE "
        "ED25519 test key",
        """-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgiWLNIg3cNBXvxU82NW+/COB/4/
keps9gJi7cE4x2MAQAAAAIdW5pdHRlc3QAAAAAAAAABnNoYTUxMgAAAFMAAAALc3NoLWVk
MjU1MTkAAABAihQsbUzuNEFflk5Tw1+H9aLS7tZQk0RG8KW1DtOmDYYnWe3D3UKiG3fcJa
DNg4vBWp1j1gLRiBMOF+gwYNegDg==
-----END SSH SIGNATURE-----
""",
        "SHA256:ZxTZQ/K7JZpz0mHqWqdmYCUcq3MAtnu9TYA66TCBkxM",
    ),
    "ecdsa": (
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBN7LnfPBVdDfBT7K"
        "WUley1qo+rjzy0WYkrHpzbhGALXlj8g4K2bFmy81wblCbnHqWgjblv0FoBwUW641o9xEZtw= ECDSA test",
        """-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAAGgAAAATZWNkc2Etc2hhMi1uaXN0cDI1NgAAAAhuaXN0cDI1NgAAAE
EE3sud88FV0N8FPspZSV7LWqj6uPPLRZiSsenNuEYAteWPyDgrZsWbLzXBuUJucepaCNuW
/QWgHBRbrjWj3ERm3AAAAAh1bml0dGVzdAAAAAAAAAAGc2hhNTEyAAAAZQAAABNlY2RzYS
1zaGEyLW5pc3RwMjU2AAAASgAAACEAycVNsTlE+XEZYyYiDxWZlliruf/pPMhEEMR/XLdQ
a4MAAAAhALQt+5gES7L3uKGptHB6UZQMuZ2WyI0C6FJs4v6AtMIU
-----END SSH SIGNATURE-----
""",
        "SHA256:YInG0FuXzFrI4twnU4WIDUE7/iFeM9DVtx6zdi61Pvg",
    ),
    "rsa": (
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDfzqWaNEe0mnKPzsGtL6ywya29z/VI83SBdM+z2NnWFgCr3w9x"
        "rf9FhUzgdpK7oI7O1AnZmdkPdN79d4GchTaZ+69ASX4OLCKwZ42CVXJEKLvvzt88UV9zHNl8NrsQHapjxLehpIZk"
        "rxCrO4bCYYAiaOVBfPon4cJ394P/nwagJJKKsgQIVYIC3642s4L8SaADOxt9x9ohttXMDjS2WBTeE7YnjaR13PwK"
        "KwNO0MpAAEVw5pBnJxJ+fscM/5aBctdcFQj3BUzVOJ/V/70xfTzEiy8K8bOjvIuBttMUtIavlKQD606ti6gDtXx+"
        "B7SJ3/emdW0bVSLcju96N4DB/Qdmq0V4ESc7CQgkWZl4y0V45V/7iSLiHWsOoC9Kxw28y0uno5elsABMBMC4RYSQ"
        "hAGXWueCcR7SIL2JT2K0oxbqongW0hvgAIfUShTXHy+qsV5yDaG+p+TkJkEkhtXbwkW4aNpzc7EFnXsWpvyWOiZS"
        "KvUasRPbPro0yBvlOMMPsFU= RSA test",
        """-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAAZcAAAAHc3NoLXJzYQAAAAMBAAEAAAGBAN/OpZo0R7Saco/Owa0vrL
DJrb3P9UjzdIF0z7PY2dYWAKvfD3Gt/0WFTOB2krugjs7UCdmZ2Q903v13gZyFNpn7r0BJ
fg4sIrBnjYJVckQou+/O3zxRX3Mc2Xw2uxAdqmPEt6GkhmSvEKs7hsJhgCJo5UF8+ifhwn
f3g/+fBqAkkoqyBAhVggLfrjazgvxJoAM7G33H2iG21cwONLZYFN4TtieNpHXc/AorA07Q
ykAARXDmkGcnEn5+xwz/loFy11wVCPcFTNU4n9X/vTF9PMSLLwrxs6O8i4G20xS0hq+UpA
PrTq2LqAO1fH4HtInf96Z1bRtVItyO73o3gMH9B2arRXgRJzsJCCRZmXjLRXjlX/uJIuId
aw6gL0rHDbzLS6ejl6WwAEwEwLhFhJCEAZda54JxHtIgvYlPYrSjFuqieBbSG+AAh9RKFN
cfL6qxXnINob6n5OQmQSSG1dvCRbho2nNzsQWdexam/JY6JlIq9RqxE9s+ujTIG+U4ww+w
VQAAAAh1bml0dGVzdAAAAAAAAAAGc2hhNTEyAAABlAAAAAxyc2Etc2hhMi01MTIAAAGACi
nEpBrQxZi0yOrrT6h98JFfZh0XXioih4fzmvtoV0yOReWClS+otGgXoJyZHcbaKNOjDwSM
rIkUoX6OUJmtHYP0HRELnKw35m33LdBPXpFGS4tRS7NeSpvc04KtjT6jYXY9FjWy5hcn17
Sxc/3DnJqLgJBur8acY7FeIzpWmKixPd/dGkEjdWoD9gO6szLczGuQgrOdYmSRL4yKadTJ
lVjz5OSeKSYYGQy33US2XQassRRNYf4e9byTA3DKvHa/OcTt7lFerea0kZdDpAboqffz7T
Yaw/hFskAYLIEdTW3aoXBGHSOvu8AkDOtb7qwuxGSQ27pjkDLDNsp1ceCFaCaQ6X83RZuK
ACv9JUBI5KaSf81e0bs0KezJKkhB9czeZ6dk96qISbgayEBnvhYgXvUDKtHn7HzNlCJKfK
5ABhNxfGG2CD+NKqcrndwFgS1sQO3hbA84zPQb26ShBovT8ytHBmW1F8ZK4O9Bz61Q6EZK
vs/u6xP6LUean/so5daa
-----END SSH SIGNATURE-----
""",
        "SHA256:PnEztoQ74skPJhb/bvdbzdOVa2whp8Ws4housCPVrkI",
    ),
    "ed25519_sk": (
        "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIJsaDYXQYruc6bil"
        "CYDIK4YSOeG+zmrRO2M9t03//7LHAAAABHNzaDo= ED25519-SK test key",
        """-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAAEoAAAAac2stc3NoLWVkMjU1MTlAb3BlbnNzaC5jb20AAAAgmxoNhd
Biu5zpuKUJgMgrhhI54b7OatE7Yz23Tf//sscAAAAEc3NoOgAAAAh1bml0dGVzdAAAAAAA
AAAGc2hhNTEyAAAAZwAAABpzay1zc2gtZWQyNTUxOUBvcGVuc3NoLmNvbQAAAEAi+7eTjW
/+LQ2M+sCD+KFtH1n7VFFJon/SZFsxODyV8cWTlFKj617Ys1Ur5TV6uaEXQhck8rBA2oQI
HTPANLIPARI0Vng=
-----END SSH SIGNATURE-----
""",
        "SHA256:pbI9wlyrFSsUbp+GTiIAOqNMvoajbF2tHsPMECyrMYU",
    ),
    "ecdsa_sk": (
        "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20A"
        "AAAIbmlzdHAyNTYAAABBBKDVa5jRcT5V7E6ysmwVi7HJWh7p5D+hebLPakQcpnD2ajJZ6G/4WzuhlYWnclWY63Js"
        "pDp299Rlhq5AT86/g8AAAAAEc3NoOg== ECDSA-SK test key",
        """-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAAH8AAAAic2stZWNkc2Etc2hhMi1uaXN0cDI1NkBvcGVuc3NoLmNvbQ
AAAAhuaXN0cDI1NgAAAEEEoNVrmNFxPlXsTrKybBWLsclaHunkP6F5ss9qRBymcPZqMlno
b/hbO6GVhadyVZjrcmykOnb31GWGrkBPzr+DwAAAAARzc2g6AAAACHVuaXR0ZXN0AAAAAA
AAAAZzaGE1MTIAAAB3AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20A
AABIAAAAIHohGwyy8iKT3zwd1TYA9V/Ioo7h/3zCJUtyq/Qigt/HAAAAIGzidTwq7D/kFa
7Xjcp/KkdbIs4MfQpfAW/0OciajlpzARI0Vng=
-----END SSH SIGNATURE-----
""",
        "SHA256:/ALxJUlmDPE0gxeL1nZip4oXm1VG1qmR2xL5iUzZD1A",
    ),
}

OPENSSH_WEBAUTHN = (
    "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAI"
    "bmlzdHAyNTYAAABBBBRGwDjs4HhJFcn4tJ5Gr72KcmRmCS1OirETxaXvnsNApgoOLF1a/7rxldfSMHm73eT1nhHe97W8"
    "qicPPEAKDJQAAAALbWluZHJvdC5vcmc=",
    """-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAAIYAAAAic2stZWNkc2Etc2hhMi1uaXN0cDI1NkBvcGVuc3NoLmNvbQ
AAAAhuaXN0cDI1NgAAAEEEFEbAOOzgeEkVyfi0nkavvYpyZGYJLU6KsRPFpe+ew0CmCg4s
XVr/uvGV19Iwebvd5PWeEd73tbyqJw88QAoMlAAAAAttaW5kcm90Lm9yZwAAAAh1bml0dG
VzdAAAAAAAAAAGc2hhNTEyAAABhwAAACt3ZWJhdXRobi1zay1lY2RzYS1zaGEyLW5pc3Rw
MjU2QG9wZW5zc2guY29tAAAASQAAACBj2oMT9tb5wRXe6mdmf4/lgAO8wrgr95ouozwNg4
itnQAAACEAtU9g5wz3HchUiLfLD6plr9T4TiJ32lVCrATSjpiy0SMBAAADHwAAABdodHRw
czovL3d3dy5taW5kcm90Lm9yZwAAAON7InR5cGUiOiJ3ZWJhdXRobi5nZXQiLCJjaGFsbG
VuZ2UiOiJVMU5JVTBsSEFBQUFDSFZ1YVhSMFpYTjBBQUFBQUFBQUFBWnphR0UxTVRJQUFB
QkFMTHU4WmdjU3h0Nk1zRlV6dWlaZ0c2R3dNZEo5ZDd4ZUU3WW9SSXcwZzlpSEpfd3NGRD
cxbzRXbHllenZGV0VqYnFRMHFDN0Z3R3Bqa2pVUVAtTmQ2dyIsIm9yaWdpbiI6Imh0dHBz
Oi8vd3d3Lm1pbmRyb3Qub3JnIiwiY3Jvc3NPcmlnaW4iOmZhbHNlfQAAAAA=
-----END SSH SIGNATURE-----
""",
)


@pytest.mark.parametrize("name", list(OPENSSH_VECTORS))
def test_openssh_vectors_verify(name: str) -> None:
    line, armored, fingerprint = OPENSSH_VECTORS[name]
    key = parse_public_key(line)
    assert key.fingerprint() == fingerprint
    assert signer_of(armored) == key
    verify(OPENSSH_MESSAGE, armored, key, OPENSSH_NAMESPACE)
    refused("does not match", lambda: verify(OPENSSH_MESSAGE + b".", armored, key, "unittest"))
    refused(
        "namespace 'unittest', expected 'approval'",
        lambda: verify(OPENSSH_MESSAGE, armored, key, "approval"),
    )


def test_openssh_sk_vectors_are_what_the_authenticator_signed() -> None:
    # The ed25519-sk vector checked by hand, to show what PROTOCOL.u2f has the key sign.
    line, armored, _ = OPENSSH_VECTORS["ed25519_sk"]
    key = parse_public_key(line)
    blob = dearmor(armored)
    flags, counter = blob[-5], int.from_bytes(blob[-4:], "big")
    assert (flags, counter) == (0x01, 0x12345678)
    raw_sig = blob[-5 - 64 : -5]
    assert key.blob[:34] == s("sk-ssh-ed25519@openssh.com") + (32).to_bytes(4, "big")
    public = Ed25519PublicKey.from_public_bytes(key.blob[34:66])
    tbs = to_be_signed(OPENSSH_NAMESPACE, "sha512", OPENSSH_MESSAGE)
    public.verify(raw_sig, u2f_data(b"ssh:", flags, counter, tbs))


def test_webauthn_signatures_are_refused() -> None:
    key = parse_public_key(OPENSSH_WEBAUTHN[0])
    refused("webauthn", lambda: verify(OPENSSH_MESSAGE, OPENSSH_WEBAUTHN[1], key, "unittest"))


# --- public keys -------------------------------------------------------------------------------


def test_parse_public_key_line() -> None:
    line, _, fingerprint = OPENSSH_VECTORS["ed25519"]
    key = parse_public_key("  " + line + "\n")
    assert key.key_type == "ssh-ed25519"
    assert key.comment == "ED25519 test key"
    assert key.openssh() == line.rsplit(" ", 3)[0]
    assert key.blob == base64.b64decode(line.split()[1])
    expected = base64.b64encode(hashlib.sha256(key.blob).digest()).decode().rstrip("=")
    assert key.fingerprint() == "SHA256:" + expected == fingerprint
    # The comment is a label: the same key under another comment is the same key.
    assert parse_public_key(key.openssh()) == key
    assert parse_public_key(key.openssh() + " other") == key
    assert len({key, parse_public_key(key.openssh())}) == 1
    with pytest.raises(AttributeError):
        key.comment = "changed"  # type: ignore[misc]


def _ed_blob() -> bytes:
    return s("ssh-ed25519") + s(Ed25519PrivateKey.generate().public_key().public_bytes_raw())


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


BAD_PUBLIC_KEYS: dict[str, tuple[str, str]] = {
    "empty": ("", "not an OpenSSH public key line"),
    "no blob": ("ssh-ed25519", "not an OpenSSH public key line"),
    "bad base64": ("ssh-ed25519 AAAA!!!!", "base64"),
    "type differs from blob": ("ssh-rsa " + _b64(_ed_blob()), "says it is 'ssh-rsa'"),
    "rsa-sha2 is not a key type": ("rsa-sha2-512 " + _b64(_ed_blob()), "says it is"),
    "dsa": ("ssh-dss " + _b64(s("ssh-dss") + mpint(7) * 4), "'ssh-dss' is not supported"),
    "certificate": (
        "ssh-ed25519-cert-v01@openssh.com "
        + _b64(s("ssh-ed25519-cert-v01@openssh.com") + s(b"n" * 32)),
        "certificate",
    ),
    "truncated": ("ssh-ed25519 " + _b64(_ed_blob()[:-1]), "ends too early"),
    "trailing data": ("ssh-ed25519 " + _b64(_ed_blob() + b"\0"), "unexpected data"),
    "short ed25519": ("ssh-ed25519 " + _b64(s("ssh-ed25519") + s(b"k" * 31)), "not 32 bytes"),
    "point off the curve": (
        "ecdsa-sha2-nistp256 "
        + _b64(s("ecdsa-sha2-nistp256") + s("nistp256") + s(b"\x04" + b"\x01" * 64)),
        "key material is invalid",
    ),
    "curve differs from type": (
        "ecdsa-sha2-nistp256 " + _b64(s("ecdsa-sha2-nistp256") + s("nistp384") + s(b"\x04")),
        "curve does not match",
    ),
    "small rsa": ("ssh-rsa " + _b64(s("ssh-rsa") + mpint(65537) + mpint(2**511 + 1)), "512 bits"),
    "negative mpint": ("ssh-rsa " + _b64(s("ssh-rsa") + s(b"\x81") + mpint(3)), "negative"),
}


@pytest.mark.parametrize("name", list(BAD_PUBLIC_KEYS))
def test_parse_public_key_refuses(name: str) -> None:
    line, match = BAD_PUBLIC_KEYS[name]
    with pytest.raises(BadInput, match=match) as info:
        parse_public_key(line)
    assert info.value.exit_code == 3


def test_public_key_checks_its_blob_when_built_directly() -> None:
    with pytest.raises(BadInput, match="not a usable OpenSSH public key"):
        PublicKey("ssh-ed25519", b"garbage")
    blob = _ed_blob()
    assert PublicKey("ssh-ed25519", blob).openssh() == "ssh-ed25519 " + _b64(blob)


@pytest.mark.parametrize("kind", list(SIGNERS))
def test_every_key_type_parses_and_prints_back(kind: str) -> None:
    key = SIGNERS[kind](MESSAGE).key
    assert parse_public_key(key.openssh()) == key
    assert key.key_type in sshsig.SUPPORTED_KEY_TYPES


# --- refusals ----------------------------------------------------------------------------------


def test_refuses_another_key() -> None:
    signed, enrolled = sign_ed(MESSAGE), sign_ed(MESSAGE).key
    err = refused(
        "the signature was made with key SHA256:",
        lambda: verify(MESSAGE, signed.armored, enrolled, NS),
    )
    assert signed.key.fingerprint() in err.message
    assert f"not the enrolled key {enrolled.fingerprint()}" in err.message


def test_refuses_another_namespace() -> None:
    signed = sign_ed(MESSAGE, "file")
    err = refused(
        "the signature was made for namespace 'file', expected 'approval@bank.example'",
        lambda: verify(MESSAGE, signed.armored, signed.key, NS),
    )
    assert err.hint is not None and f"-n {NS}" in err.hint


def test_refuses_a_modified_message() -> None:
    signed = sign_ed(MESSAGE)
    err = refused(
        "the signature does not match the statement",
        lambda: verify(MESSAGE.replace(b"approve", b"reject!"), signed.armored, signed.key, NS),
    )
    assert err.hint


@pytest.mark.parametrize("kind", list(SIGNERS))
def test_refuses_a_flipped_byte_in_the_signature(kind: str) -> None:
    signed = SIGNERS[kind](MESSAGE)
    blob = bytearray(dearmor(signed.armored))
    # The signature bytes proper sit before the FIDO flags and counter, if any.
    at = len(blob) - (5 if kind.startswith("sk-") else 0) - 10
    blob[at] ^= 0x01
    refused(
        "does not match the statement", lambda: verify(MESSAGE, armor(bytes(blob)), signed.key, NS)
    )


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa-p256", "sk-ed25519", "rsa-sha2-512"])
def test_every_single_bit_flip_and_truncation_is_refused(kind: str) -> None:
    signed = SIGNERS[kind](MESSAGE)
    blob = dearmor(signed.armored)
    for i in range(len(blob)):
        for bit in (0x01, 0x80):
            damaged = bytearray(blob)
            damaged[i] ^= bit
            with pytest.raises(SignatureInvalid):
                verify(MESSAGE, armor(bytes(damaged)), signed.key, NS)
    for n in range(len(blob)):
        with pytest.raises(SignatureInvalid):
            verify(MESSAGE, armor(blob[:n]), signed.key, NS)
    with pytest.raises(SignatureInvalid, match="unexpected data"):
        verify(MESSAGE, armor(blob + b"\0"), signed.key, NS)


def test_refuses_truncated_armor() -> None:
    signed = sign_ed(MESSAGE)
    lines = signed.armored.splitlines()
    refused(
        "truncated: its -----END SSH SIGNATURE----- line is missing",
        lambda: verify(MESSAGE, "\n".join(lines[:-1]), signed.key, NS),
    )
    refused("truncated", lambda: verify(MESSAGE, "\n".join(lines[:2]), signed.key, NS))
    # Lines lost from the middle: either the base64 or the blob inside it no longer parses.
    refused(
        "damaged|truncated",
        lambda: verify(MESSAGE, "\n".join([*lines[:2], lines[-1]]), signed.key, NS),
    )
    refused(
        "damaged",
        lambda: verify(MESSAGE, "\n".join([lines[0], lines[1][:-1], lines[-1]]), signed.key, NS),
    )


def test_refuses_text_that_is_not_a_signature() -> None:
    key = sign_ed(MESSAGE).key
    for text in ("", "hello", "-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----"):
        refused("not an SSH signature", lambda t=text: verify(MESSAGE, t, key, NS))  # type: ignore[misc]
    signed = sign_ed(MESSAGE)
    refused(
        "unexpected text after", lambda: verify(MESSAGE, signed.armored + signed.armored, key, NS)
    )


@pytest.mark.parametrize("hash_alg", ["sha1", "sha384", "md5", "SHA512"])
def test_refuses_unsupported_hash_algorithms(hash_alg: str) -> None:
    private = Ed25519PrivateKey.generate()
    key_blob = s("ssh-ed25519") + s(private.public_key().public_bytes_raw())
    sig = s("ssh-ed25519") + s(private.sign(to_be_signed(NS, hash_alg.lower(), MESSAGE)))
    armored = armor(sshsig_blob(key_blob, NS, sig, hash_alg=hash_alg))
    refused(
        f"hash algorithm '{hash_alg}'; only sha256 and sha512",
        lambda: verify(MESSAGE, armored, key_of(key_blob), NS),
    )
    with pytest.raises(BadInput, match="sha256, sha512"):
        sign_ed25519(MESSAGE, private, NS, hash_alg=hash_alg)


def test_refuses_ssh_rsa_sha1_signatures() -> None:
    signed = sign_rsa(MESSAGE, alg="ssh-rsa")
    err = refused("ssh-rsa with SHA-1", lambda: verify(MESSAGE, signed.armored, signed.key, NS))
    assert err.hint is not None and "rsa-sha2-512" in err.hint


def _ed25519_parts(private: Ed25519PrivateKey) -> tuple[bytes, bytes]:
    key_blob = s("ssh-ed25519") + s(private.public_key().public_bytes_raw())
    sig = s("ssh-ed25519") + s(private.sign(to_be_signed(NS, "sha512", MESSAGE)))
    return key_blob, sig


def test_refuses_malformed_envelopes() -> None:
    private = Ed25519PrivateKey.generate()
    key_blob, sig = _ed25519_parts(private)
    key = key_of(key_blob)
    verify(MESSAGE, armor(sshsig_blob(key_blob, NS, sig)), key, NS)  # the baseline is fine
    cases = {
        "does not start with SSHSIG": sshsig_blob(key_blob, NS, sig, magic=b"SSHSIH"),
        "format version 2": sshsig_blob(key_blob, NS, sig, version=2),
        "reserved field is not empty": sshsig_blob(key_blob, NS, sig, reserved=b"x"),
        "unexpected data": sshsig_blob(key_blob, NS, sig + b"\0"),
        "of type 'ecdsa-sha2-nistp256'": sshsig_blob(
            key_blob, NS, s("ecdsa-sha2-nistp256") + sig[15:]
        ),
        "key cannot be used: its type 'ssh-dss'": sshsig_blob(s("ssh-dss") + mpint(3) * 4, NS, sig),
    }
    for match, blob in cases.items():
        refused(match, lambda b=blob: verify(MESSAGE, armor(b), key, NS))  # type: ignore[misc]


def test_refuses_an_empty_namespace() -> None:
    signed = sign_ed(MESSAGE)
    with pytest.raises(BadInput, match="namespace must not be empty"):
        verify(MESSAGE, signed.armored, signed.key, "")
    with pytest.raises(BadInput, match="namespace must not be empty"):
        sign_ed25519(MESSAGE, Ed25519PrivateKey.generate(), "")


@pytest.mark.parametrize("signer", [sign_sk_ed25519, sign_sk_ecdsa])
def test_security_key_flags(signer: Signer) -> None:
    # Without user presence (no touch) the signature is authentic but refused.
    no_touch = signer(MESSAGE, flags=0x00)
    refused(
        "did not confirm that someone touched it",
        lambda: verify(MESSAGE, no_touch.armored, no_touch.key, NS),
    )
    # User verification (PIN) is required only when asked for.
    touch = signer(MESSAGE, flags=0x01)
    verify(MESSAGE, touch.armored, touch.key, NS)
    refused(
        "PIN or biometric",
        lambda: verify(MESSAGE, touch.armored, touch.key, NS, require_user_verification=True),
    )
    pin = signer(MESSAGE, flags=0x05)
    verify(MESSAGE, pin.armored, pin.key, NS, require_user_verification=True)
    # The flags and the counter are signed: changing them breaks the signature.
    for offset in (5, 1):
        blob = bytearray(dearmor(touch.armored))
        blob[-offset] ^= 0x04
        refused("does not match", lambda b=bytes(blob): verify(MESSAGE, armor(b), touch.key, NS))  # type: ignore[misc]


def test_security_key_application_is_part_of_the_key() -> None:
    signed = sign_sk_ed25519(MESSAGE)
    assert signed.key.blob.endswith(s("ssh:"))
    moved = key_of(signed.key.blob[:-8] + s("ssh:x"))
    refused("not the enrolled key", lambda: verify(MESSAGE, signed.armored, moved, NS))


# --- keys on disk ------------------------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o000])
def test_new_keypair_writes_openssh_files(
    tmp_path: Path, umask: Callable[[int], int], mask: int
) -> None:
    umask(mask)
    path = tmp_path / "officer_ed25519"
    key = new_keypair(path, "officer@bank.example")
    pub = tmp_path / "officer_ed25519.pub"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(pub.stat().st_mode) == 0o644
    assert path.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert pub.read_text() == key.openssh() + " officer@bank.example\n"
    assert key.comment == "officer@bank.example"
    assert parse_public_key(pub.read_text()) == key
    private = load_private_key(path)
    assert s("ssh-ed25519") + s(private.public_key().public_bytes_raw()) == key.blob


def test_new_keypair_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text("precious")
    with pytest.raises(BadInput, match="already exists"):
        new_keypair(path, "c")
    assert path.read_text() == "precious" and not (tmp_path / "k.pub").exists()
    path.unlink()
    (tmp_path / "k.pub").write_text("precious")
    with pytest.raises(BadInput, match=r"k\.pub already exists"):
        new_keypair(path, "c")
    assert not path.exists()


def test_new_keypair_refusals(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="single line"):
        new_keypair(tmp_path / "k", "a\nb")
    with pytest.raises(NotFound, match="does not exist"):
        new_keypair(tmp_path / "missing" / "k", "c")
    key = new_keypair(tmp_path / "nocomment", "")
    assert (tmp_path / "nocomment.pub").read_text() == key.openssh() + "\n"


def _write_openssh_private(path: Path, private: object) -> Path:
    data = private.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    path.write_bytes(data)
    return path


def test_load_private_key_refusals(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_private_key(tmp_path / "absent")
    ecdsa_key = _write_openssh_private(tmp_path / "ecdsa", ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(BadInput, match="of type ecdsa-sha2-nistp256") as info:
        load_private_key(ecdsa_key)
    assert info.value.message.endswith("use ssh-keygen -Y sign or the agent for this key")
    assert info.value.hint is not None and "ssh-add" in info.value.hint
    with pytest.raises(BadInput, match="ssh-keygen -Y sign or the agent"):
        sign_ed25519(MESSAGE, ecdsa_key, NS)
    pkcs8 = tmp_path / "pkcs8.pem"
    pkcs8.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(BadInput, match="not an OpenSSH private key file"):
        load_private_key(pkcs8)
    damaged = tmp_path / "damaged"
    damaged.write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blb!!\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    with pytest.raises(BadInput, match="damaged"):
        load_private_key(damaged)


def test_load_private_key_refuses_encrypted_keys(tmp_path: Path) -> None:
    # The header of a passphrase-protected key (PROTOCOL.key): cipher and kdf are not "none".
    plain = _write_openssh_private(tmp_path / "plain", Ed25519PrivateKey.generate()).read_text()
    raw = base64.b64decode("".join(plain.strip().splitlines()[1:-1]))
    rest = raw[len(b"openssh-key-v1\0") + 3 * 4 + 8 :]  # after "none", "none", ""
    header = b"openssh-key-v1\0" + s("aes256-ctr") + s("bcrypt") + s(s(b"salt") + b"\0\0\0\x10")
    body = base64.b64encode(header + rest).decode()
    path = tmp_path / "encrypted"
    path.write_text(
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    with pytest.raises(BadInput, match="protected by a passphrase") as info:
        load_private_key(path)
    assert info.value.message.endswith("use ssh-keygen -Y sign or the agent for this key")


def test_sign_with_ssh_keygen_reports_missing_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    key = tmp_path / "k"
    new_keypair(key, "c")
    with pytest.raises(BadInput, match="govern-no-such-ssh-keygen was not found") as info:
        sign_with_ssh_keygen(MESSAGE, key, NS, ssh_keygen="govern-no-such-ssh-keygen")
    assert info.value.hint is not None and "openssh-client" in info.value.hint
    with pytest.raises(NotFound, match="does not exist"):
        sign_with_ssh_keygen(MESSAGE, tmp_path / "absent", NS)
    lonely = tmp_path / "lonely.pub"
    lonely.write_text((tmp_path / "k.pub").read_text())
    with pytest.raises(BadInput, match="no ssh-agent is running") as info:
        sign_with_ssh_keygen(MESSAGE, lonely, NS)
    assert info.value.hint is not None and "ssh-add" in info.value.hint


# --- interop with OpenSSH's ssh-keygen ---------------------------------------------------------


def _need(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        reason = f"{program} is not installed; this test cross-checks govern against OpenSSH"
        if REQUIRE_INTEROP:
            pytest.fail(reason + " (GOVERN_REQUIRE_INTEROP=1)")
        pytest.skip(reason)
    return found


@pytest.fixture
def ssh_keygen(monkeypatch: pytest.MonkeyPatch) -> str:
    # Never touch the developer's own ssh-agent.
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return _need("ssh-keygen")


def _run(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, input=stdin, capture_output=True, check=False, env=env, timeout=60)


def _keygen(ssh_keygen: str, path: Path, *args: str) -> Path:
    done = _run(ssh_keygen, "-q", "-N", "", "-C", "officer@bank.example", "-f", str(path), *args)
    assert done.returncode == 0, done.stderr
    return path


KEYGEN_TYPES = {
    "ed25519": ("-t", "ed25519"),
    "ecdsa-p256": ("-t", "ecdsa", "-b", "256"),
    "ecdsa-p384": ("-t", "ecdsa", "-b", "384"),
    "ecdsa-p521": ("-t", "ecdsa", "-b", "521"),
    "rsa-2048": ("-t", "rsa", "-b", "2048"),
    "rsa-3072": ("-t", "rsa", "-b", "3072"),
}


def _keygen_sign(ssh_keygen: str, key: Path, message: bytes, namespace: str, *opts: str) -> str:
    data = key.parent / f"message-{time.monotonic_ns()}"
    data.write_bytes(message)
    done = _run(ssh_keygen, "-Y", "sign", "-f", str(key), "-n", namespace, *opts, str(data))
    assert done.returncode == 0, done.stderr
    return Path(f"{data}.sig").read_text()


def _keygen_verify(
    ssh_keygen: str, tmp_path: Path, key: PublicKey, armored: str, message: bytes, options: str = ""
) -> subprocess.CompletedProcess[bytes]:
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'officer@bank.example {options}namespaces="{NS}" {key.openssh()}\n')
    sig = tmp_path / f"check-{time.monotonic_ns()}.sig"
    sig.write_text(armored)
    return _run(
        ssh_keygen,
        "-Y",
        "verify",
        "-f",
        str(allowed),
        "-I",
        "officer@bank.example",
        "-n",
        NS,
        "-s",
        str(sig),
        stdin=message,
    )


@pytest.mark.interop
@pytest.mark.parametrize("kind", list(KEYGEN_TYPES))
def test_ssh_keygen_signatures_verify(ssh_keygen: str, tmp_path: Path, kind: str) -> None:
    key_file = _keygen(ssh_keygen, tmp_path / "key", *KEYGEN_TYPES[kind])
    key = parse_public_key((tmp_path / "key.pub").read_text())
    for opts in ((), ("-O", "hashalg=sha256")):
        armored = _keygen_sign(ssh_keygen, key_file, MESSAGE, NS, *opts)
        assert signer_of(armored) == key
        verify(MESSAGE, armored, key, NS)
        refused("does not match", lambda a=armored: verify(MESSAGE + b" ", a, key, NS))  # type: ignore[misc]
        refused("namespace", lambda a=armored: verify(MESSAGE, a, key, "file"))  # type: ignore[misc]
    if kind.startswith("rsa"):
        assert b"rsa-sha2-512" in dearmor(armored)  # what ssh-keygen uses for SSHSIG


@pytest.mark.interop
@pytest.mark.parametrize("hash_alg", ["sha256", "sha512"])
def test_sign_ed25519_equals_ssh_keygen_byte_for_byte(
    ssh_keygen: str, tmp_path: Path, hash_alg: str
) -> None:
    key_file = _keygen(ssh_keygen, tmp_path / "key", "-t", "ed25519")
    theirs = _keygen_sign(ssh_keygen, key_file, MESSAGE, NS, "-O", f"hashalg={hash_alg}")
    ours = sign_ed25519(MESSAGE, key_file, NS, hash_alg=hash_alg)
    assert ours == theirs


@pytest.mark.interop
@pytest.mark.parametrize("hash_alg", ["sha256", "sha512"])
def test_ssh_keygen_verifies_sign_ed25519(ssh_keygen: str, tmp_path: Path, hash_alg: str) -> None:
    private = Ed25519PrivateKey.generate()
    armored = sign_ed25519(MESSAGE, private, NS, hash_alg=hash_alg)
    key = signer_of(armored)
    done = _keygen_verify(ssh_keygen, tmp_path, key, armored, MESSAGE)
    assert done.returncode == 0, done.stderr
    assert f'Good "{NS}" signature for officer@bank.example'.encode() in done.stdout
    # ... and ssh-keygen, like govern, refuses it for another message.
    assert _keygen_verify(ssh_keygen, tmp_path, key, armored, MESSAGE + b" ").returncode != 0


@pytest.mark.interop
@pytest.mark.parametrize("kind", list(SIGNERS))
def test_ssh_keygen_verifies_the_constructed_signatures(
    ssh_keygen: str, tmp_path: Path, kind: str
) -> None:
    """The test's own encoder, the sk-* ones included, writes what OpenSSH reads."""
    signed = SIGNERS[kind](MESSAGE)
    done = _keygen_verify(ssh_keygen, tmp_path, signed.key, signed.armored, MESSAGE)
    assert done.returncode == 0, done.stderr


@pytest.mark.interop
@pytest.mark.parametrize("signer", [sign_sk_ed25519, sign_sk_ecdsa])
def test_user_presence_is_required_by_govern_not_ssh_keygen(
    ssh_keygen: str, tmp_path: Path, signer: Signer
) -> None:
    """`ssh-keygen -Y verify` accepts an untouched security-key signature; govern refuses it.

    OpenSSH enforces the touch only where sshd checks it (and ssh-keygen prints the flags), so
    this also shows that the refused signature is otherwise authentic.
    """
    no_touch = signer(MESSAGE, flags=0x00)
    done = _keygen_verify(ssh_keygen, tmp_path, no_touch.key, no_touch.armored, MESSAGE)
    assert done.returncode == 0, done.stderr
    refused("touched", lambda: verify(MESSAGE, no_touch.armored, no_touch.key, NS))


@pytest.mark.interop
def test_fingerprints_equal_ssh_keygen(ssh_keygen: str, tmp_path: Path) -> None:
    lines: list[str] = [line for line, _, _ in OPENSSH_VECTORS.values()]
    lines += [OPENSSH_WEBAUTHN[0]]
    lines += [SIGNERS[kind](MESSAGE).key.openssh() for kind in SIGNERS]
    for kind, args in KEYGEN_TYPES.items():
        _keygen(ssh_keygen, tmp_path / kind, *args)
        lines.append((tmp_path / f"{kind}.pub").read_text())
    lines.append(new_keypair(tmp_path / "ours", "ours").openssh())
    for i, line in enumerate(lines):
        pub = tmp_path / f"fp{i}.pub"
        pub.write_text(line)
        done = _run(ssh_keygen, "-lf", str(pub))
        assert done.returncode == 0, (line, done.stderr)
        assert done.stdout.split()[1].decode() == parse_public_key(line).fingerprint()


@pytest.mark.interop
def test_new_keypair_is_an_openssh_key(ssh_keygen: str, tmp_path: Path) -> None:
    key = new_keypair(tmp_path / "officer", "officer@bank.example")
    derived = _run(ssh_keygen, "-y", "-f", str(tmp_path / "officer"))
    assert derived.returncode == 0, derived.stderr
    assert parse_public_key(derived.stdout.decode()) == key
    armored = _keygen_sign(ssh_keygen, tmp_path / "officer", MESSAGE, NS)
    verify(MESSAGE, armored, key, NS)
    assert armored == sign_ed25519(MESSAGE, tmp_path / "officer", NS)


@pytest.mark.interop
@pytest.mark.parametrize("kind", ["ed25519", "ecdsa-p256", "rsa-3072"])
def test_sign_with_ssh_keygen(ssh_keygen: str, tmp_path: Path, kind: str) -> None:
    key_file = _keygen(ssh_keygen, tmp_path / "key", *KEYGEN_TYPES[kind])
    key = parse_public_key((tmp_path / "key.pub").read_text())
    armored = sign_with_ssh_keygen(MESSAGE, key_file, NS)
    verify(MESSAGE, armored, key, NS)
    # A .pub path with its private key beside it works without an agent too.
    verify(MESSAGE, sign_with_ssh_keygen(MESSAGE, tmp_path / "key.pub", NS), key, NS)


@pytest.mark.interop
def test_sign_with_ssh_keygen_reports_ssh_keygen_errors(ssh_keygen: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("this is not a key\n")
    bad.chmod(0o600)
    with pytest.raises(BadInput, match=r"ssh-keygen could not sign with .*bad: \S") as info:
        sign_with_ssh_keygen(MESSAGE, bad, NS)
    assert "\n" not in info.value.message
    encrypted = _run(ssh_keygen, "-q", "-t", "ed25519", "-N", "secret", "-f", str(tmp_path / "enc"))
    assert encrypted.returncode == 0
    env_askpass = {"SSH_ASKPASS": "/bin/false", "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}
    old = {k: os.environ.get(k) for k in env_askpass}
    os.environ.update(env_askpass)  # so ssh-keygen fails at once instead of prompting
    try:
        with pytest.raises(BadInput, match="ssh-keygen could not sign"):
            sign_with_ssh_keygen(MESSAGE, tmp_path / "enc", NS)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.interop
def test_load_private_key_refuses_what_ssh_keygen_makes_for_others(
    ssh_keygen: str, tmp_path: Path
) -> None:
    enc = tmp_path / "enc"
    assert _run(ssh_keygen, "-q", "-t", "ed25519", "-N", "secret", "-f", str(enc)).returncode == 0
    with pytest.raises(BadInput, match="protected by a passphrase"):
        load_private_key(enc)
    with pytest.raises(BadInput, match="of type ssh-rsa"):
        load_private_key(_keygen(ssh_keygen, tmp_path / "rsa", "-t", "rsa", "-b", "2048"))
    with pytest.raises(BadInput, match="of type ecdsa-sha2-nistp256"):
        load_private_key(_keygen(ssh_keygen, tmp_path / "ec", "-t", "ecdsa"))
    assert isinstance(
        load_private_key(_keygen(ssh_keygen, tmp_path / "ed", "-t", "ed25519")), Ed25519PrivateKey
    )


@pytest.fixture
def ssh_agent(
    ssh_keygen: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """A private ssh-agent for the test, stopped afterwards."""
    agent = _need("ssh-agent")
    _need("ssh-add")
    sock = tmp_path / "agent.sock"
    proc = subprocess.Popen(
        [agent, "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "ssh-agent did not start"
            time.sleep(0.05)
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.interop
def test_sign_with_ssh_keygen_through_the_agent(ssh_agent: dict[str, str], tmp_path: Path) -> None:
    keygen = shutil.which("ssh-keygen")
    assert keygen is not None
    key_file = _keygen(keygen, tmp_path / "officer", "-t", "ed25519")
    key = parse_public_key((tmp_path / "officer.pub").read_text())
    pub = tmp_path / "officer.pub"
    # Before the key is in the agent, ssh-keygen has no private key to use.
    key_file.rename(tmp_path / "elsewhere")
    with pytest.raises(BadInput, match="ssh-keygen could not sign"):
        sign_with_ssh_keygen(MESSAGE, pub, NS)
    added = _run(shutil.which("ssh-add") or "ssh-add", str(tmp_path / "elsewhere"), env=ssh_agent)
    assert added.returncode == 0, added.stderr
    armored = sign_with_ssh_keygen(MESSAGE, pub, NS)
    verify(MESSAGE, armored, key, NS)
    # Ed25519 is deterministic: the agent's signature is the one govern would make.
    assert armored == sign_ed25519(MESSAGE, tmp_path / "elsewhere", NS)
