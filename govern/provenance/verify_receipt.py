"""Verify a govern receipt offline, with Python's standard library and `cryptography` only.

    python verify_receipt.py RECEIPT VERIFIER_KEY [PREDICTION_ID]

RECEIPT is the file `govern receipt ID -o FILE` wrote; VERIFIER_KEY is the log's verifier key
(`<origin>+<key id hex>+<base64 key>`, printed at `govern init`), given as the text itself or as
a file holding it. Take the key from where you keep it, never from the receipt's sender.
PREDICTION_ID, when given, is the decision you expect the receipt to be for: a valid receipt of
another decision is then refused.

This file is self-contained (it imports nothing of govern): `govern receipt verifier -o FILE`
writes it for anyone who does not run govern, and `govern receipt verify` runs the same code.

It checks, as docs/receipts.md explains:
1. the file is a C2SP tlog-proof (https://c2sp.org/tlog-proof) whose "extra" line holds the
   entry's exact bytes;
2. the checkpoint is a C2SP signed note (https://c2sp.org/signed-note) signed by that key, whose
   body is a C2SP checkpoint (https://c2sp.org/tlog-checkpoint) of the key's log;
3. the entry's leaf hash SHA-256(0x00 || bytes) is at "index" in the checkpoint's tree, by the
   RFC 9162 section 2.1.3.2 inclusion proof;
4. the entry names the same log and position;
5. with PREDICTION_ID, the entry is that prediction's.
Exit status 0: verified; 1: not verified (the reason is printed); 2: usage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HEADER = "c2sp.org/tlog-proof@v1"
DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class Failed(Exception):
    """The receipt does not verify."""


def b64(text: str, size: int | None = None) -> bytes:
    """Strict, canonical standard base64 (one encoding per value, so no byte can change)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Failed(f"not base64: {text[:40]!r}") from None
    if base64.b64encode(raw).decode() != text or (size is not None and len(raw) != size):
        raise Failed(f"not the canonical base64 of {size or 'some'} bytes: {text[:40]!r}")
    return raw


def parse_verifier(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """<name>+<hex key id>+<base64(0x01 || Ed25519 public key)> (signed-note, Ed25519)."""
    name, _, rest = vkey.partition("+")
    hex_id, _, key64 = rest.partition("+")
    raw = b64(key64, 33)
    if not name or not re.fullmatch(r"[0-9a-f]{8}", hex_id) or raw[0] != 1:
        raise Failed("the verifier key is not an Ed25519 signed-note verifier key")
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != hex_id:
        raise Failed("the verifier key's id does not match its name and key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:])


def open_note(note: str, name: str, key_id: bytes, public: Ed25519PublicKey) -> str:
    """Return the note's text if a well-formed signature line by this key verifies it."""
    if not note.endswith("\n") or "\n\n" not in note:
        raise Failed("the checkpoint is not a signed note (text, blank line, signatures)")
    text, _, sigs = note.rpartition("\n\n")
    text += "\n"
    if any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise Failed("the checkpoint holds a control character")
    verified = False
    for line in sigs[:-1].split("\n"):
        match = re.fullmatch("\u2014" + r" (\S+) (\S+)", line)
        if match is None:
            raise Failed(f"malformed signature line: {line[:60]!r}")
        sig = b64(match.group(2))
        if match.group(1) == name and sig[:4] == key_id and len(sig) == 68:
            try:
                public.verify(sig[4:], text.encode())
            except InvalidSignature:
                raise Failed("the checkpoint's signature does not verify") from None
            verified = True
    if not verified:
        raise Failed(f"the checkpoint is not signed by {name}")
    return text


def parse_checkpoint(text: str, origin: str) -> tuple[int, bytes]:
    """<origin>\\n<size>\\n<base64 root>\\n[extension lines] (tlog-checkpoint)."""
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not DECIMAL.fullmatch(lines[1]) or any(not x for x in lines):
        raise Failed("the checkpoint body is malformed")
    if lines[0] != origin:
        raise Failed(f"the checkpoint is for log {lines[0]!r}, not {origin!r}")
    return int(lines[1]), b64(lines[2], 32)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise Failed(f"index {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Failed("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise Failed("the inclusion proof does not lead to the checkpoint's root")


def verify(receipt: bytes, vkey: str, expected_id: str | None = None) -> dict[str, object]:
    """Verify the receipt's bytes against the verifier key (and, given ``expected_id``, that
    it is that prediction's); return the entry (parsed)."""
    name, key_id, public = parse_verifier(vkey)
    try:
        text = receipt.decode("utf-8")
    except UnicodeDecodeError:
        raise Failed("the receipt is not UTF-8 text") from None
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or lines[0] != HEADER or len(lines) < 3 or not lines[1].startswith("extra "):
        raise Failed(f"not a {HEADER} file with the entry in its 'extra' line")
    entry = b64(lines[1][len("extra ") :])
    index_text = lines[2][len("index ") :]
    if not lines[2].startswith("index ") or not DECIMAL.fullmatch(index_text):
        raise Failed("the 'index N' line is malformed")
    index = int(index_text)
    proof = [b64(line, 32) for line in lines[3:]]
    size, root = parse_checkpoint(open_note(note, name, key_id, public), name)
    verify_inclusion(hashlib.sha256(b"\x00" + entry).digest(), index, size, proof, root)
    try:
        parsed = json.loads(entry)
    except ValueError:
        raise Failed("the entry is not JSON") from None
    if not isinstance(parsed, dict) or parsed.get("log") != name or parsed.get("seq") != index:
        raise Failed("the entry names another log or position than the proof")
    payload = parsed.get("payload")
    subject = payload.get("subject") if isinstance(payload, dict) else None
    if expected_id is not None and subject != expected_id:
        raise Failed(f"the receipt is for {subject!r}, not for the expected {expected_id!r}")
    return {"size": size, **parsed}


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print((__doc__ or "").split("\n\n")[1], file=sys.stderr)
        return 2
    key_arg = Path(argv[2])
    vkey = key_arg.read_text().strip() if key_arg.is_file() else argv[2].strip()
    try:
        receipt = Path(argv[1]).read_bytes()
    except OSError as exc:
        print(f"cannot read the receipt {argv[1]}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        entry = verify(receipt, vkey, argv[3] if len(argv) == 4 else None)
    except Failed as exc:
        print(f"NOT VERIFIED: {exc}")
        return 1
    payload = entry["payload"] if isinstance(entry["payload"], dict) else {}
    print(
        f"verified: entry {entry['seq']} ({entry['kind']}, {payload.get('subject')}) is in log "
        f"{entry['log']} at tree size {entry['size']}, signed by its key"
    )
    print(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
