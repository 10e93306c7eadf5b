"""RFC 9162 section 2.1 Merkle tree hashing, proof shapes and proof verification.

- 2.1.1: leaf and node hashes (0x00 / 0x01 prefixes, SHA-256) and the Merkle Tree Hash (MTH).
- 2.1.3.1 / 2.1.4.1: which subtree hashes make up an inclusion PATH and a consistency PROOF, given
  as leaf ranges so that storage holding only perfect, aligned subtrees can answer them.
- 2.1.3.2 / 2.1.4.2: the verification algorithms, with the checks of transparency-dev/merkle
  (hash sizes, exact proof length), whose test vectors the tests run.

The append state is the "frontier" (a compact range, as in transparency-dev/merkle's compact
package): the hashes of the perfect subtrees of the binary decomposition of the tree size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from govern.errors import BadInput, ProofInvalid

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_ranges",
    "fold_right",
    "frontier_append",
    "frontier_root",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_subtrees",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry): the hash of one entry's bytes (RFC 9162 2.1.1)."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node (RFC 9162 2.1.1)."""
    return _sha256(b"\x01" + left + right).digest()


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes, by the RFC 9162 2.1.1 definition (reference, O(n))."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two < n
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Fold subtree hashes right to left with node_hash: h0 . (h1 . (h2 ...)).

    Gives MTH of a range from its perfect_subtrees hashes, and the root from a frontier.
    """
    if not hashes:
        return EMPTY_ROOT
    h = hashes[-1]
    for i in range(len(hashes) - 2, -1, -1):
        h = _sha256(b"\x01" + hashes[i] + h).digest()
    return h


# --- Proof shapes (RFC 9162 2.1.3.1, 2.1.4.1) -------------------------------------------------


def _check_size(name: str, value: int) -> None:
    if value < 0:
        raise BadInput(f"{name} must not be negative (got {value})")


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges [begin, end) whose MTHs are PATH(index, D[size]), in proof order.

    RFC 9162 2.1.3.1, leaf side first. Raises BadInput unless 0 <= index < size.
    """
    _check_size("the leaf index", index)
    if index >= size:
        raise BadInput(f"entry {index} is not in a tree of size {size}")
    out: list[tuple[int, int]] = []
    begin, end = 0, size
    # Walk down from the root; each step records the sibling subtree, so reverse at the end.
    while end - begin > 1:
        k = 1 << ((end - begin - 1).bit_length() - 1)
        if index < begin + k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin += k
    out.reverse()
    return out


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges [begin, end) whose MTHs are PROOF(old_size, D[new_size]), in proof order.

    RFC 9162 2.1.4.1. Empty when the sizes are equal. Raises BadInput unless
    0 < old_size <= new_size (a proof from the empty tree is meaningless).
    """
    _check_size("the old tree size", old_size)
    if old_size == 0:
        raise BadInput("there is no consistency proof from the empty tree")
    if old_size > new_size:
        raise BadInput(f"the old tree size {old_size} is larger than the new size {new_size}")
    out: list[tuple[int, int]] = []
    # SUBPROOF(m, D[begin:end], b), iteratively; m counts leaves from begin.
    begin, end, m, whole = 0, new_size, old_size, True
    while m != end - begin:
        k = 1 << ((end - begin - 1).bit_length() - 1)
        if m <= k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin += k
            m -= k
            whole = False
    if not whole:
        out.append((begin, end))
    out.reverse()
    return out


def perfect_subtrees(begin: int, end: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect aligned subtrees that make up [begin, end), left to right.

    fold_right over their hashes gives MTH(D[begin:end]). Every range in a proof decomposes
    this way; raises BadInput for a range that does not (begin not a multiple of the largest
    power of two <= end - begin, or an empty range).
    """
    _check_size("the range start", begin)
    n = end - begin
    if n <= 0:
        raise BadInput(f"the leaf range [{begin}, {end}) is empty")
    top = n.bit_length() - 1
    if begin & ((1 << top) - 1):
        raise BadInput(f"the leaf range [{begin}, {end}) is not made of aligned subtrees")
    out: list[tuple[int, int]] = []
    for level in range(top, -1, -1):
        if n >> level & 1:
            out.append((level, begin >> level))
            begin += 1 << level
    return out


# --- Append state -----------------------------------------------------------------------------


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """Append one leaf hash to the frontier of a tree of ``size`` leaves, in place.

    Returns (level, index, hash) of each perfect subtree of level >= 1 the leaf completes,
    lowest first: the nodes to store.
    """
    if not size & 1:
        frontier.append(leaf)
        return []
    done: list[tuple[int, int, bytes]] = []
    h = leaf
    level = 0
    while size >> level & 1:
        h = _sha256(b"\x01" + frontier.pop() + h).digest()
        level += 1
        done.append((level, size >> level, h))
    frontier.append(h)
    return done


def frontier_push(frontier: list[bytes], size: int, leaf: bytes) -> bytes:
    """Like ``frontier_append``, but return the completed subtrees' hashes concatenated,
    lowest level first: the ``nodes`` stored with the entry. The append hot path.
    """
    if not size & 1:
        frontier.append(leaf)
        return b""
    h = leaf
    out = []
    while size & 1:
        h = _sha256(b"\x01" + frontier.pop() + h).digest()
        out.append(h)
        size >>= 1
    frontier.append(h)
    return b"".join(out)


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The tree root from its frontier (EMPTY_ROOT for the empty tree)."""
    return fold_right(frontier)


# --- Verification (RFC 9162 2.1.3.2, 2.1.4.2) --------------------------------------------------


def _check_hash(what: str, h: bytes) -> None:
    if len(h) != HASH_SIZE:
        raise ProofInvalid(f"{what} is {len(h)} bytes long, not a {HASH_SIZE}-byte SHA-256 hash")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        _check_hash(f"proof hash {i}", h)


def _inclusion_length(index: int, size: int) -> int:
    # Levels below where the paths to index and size-1 split, plus one per left sibling above.
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _consistency_length(old_size: int, new_size: int) -> int:
    inner = ((old_size - 1) ^ (new_size - 1)).bit_length()
    border = ((old_size - 1) >> inner).bit_count()
    shift = (old_size & -old_size).bit_length() - 1  # trailing zero bits of old_size
    # The old root itself is omitted from the proof when the old tree is perfect.
    seed = 0 if old_size == 1 << shift else 1
    return seed + inner - shift + border


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf hash ``leaf`` is entry ``index`` of the tree of ``size`` and ``root``.

    RFC 9162 2.1.3.2. Raises ProofInvalid, saying what failed.
    """
    if index < 0 or index >= size:
        raise ProofInvalid(f"entry {index} cannot be in a tree of size {size}")
    _check_hash("the leaf hash", leaf)
    _check_hash("the root hash", root)
    _check_proof_hashes(proof)
    want = _inclusion_length(index, size)
    if len(proof) != want:
        raise ProofInvalid(
            f"the inclusion proof for entry {index} in a tree of size {size} has {len(proof)} "
            f"hashes; it must have {want}"
        )
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:  # pragma: no cover - the length check above rules this out
            raise ProofInvalid("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = _sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:  # pragma: no cover - the length check above rules this out
        raise ProofInvalid("the inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofInvalid(
            f"the inclusion proof for entry {index} does not lead to the root of the tree of "
            f"size {size}: the entry is not in that tree, or the proof or root is wrong"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (new_size, new_root) extends the tree (old_size, old_root).

    RFC 9162 2.1.4.2, for 0 < old_size <= new_size; equal sizes need an empty proof and equal
    roots. A proof from the empty tree is refused as meaningless (as transparency-dev/merkle
    does): every tree extends it, and a caller holding a size-0 checkpoint only has to check
    that its root is EMPTY_ROOT. Raises ProofInvalid, saying what failed.
    """
    if old_size < 0 or new_size < 0:
        raise ProofInvalid(f"tree sizes cannot be negative ({old_size}, {new_size})")
    if old_size > new_size:
        raise ProofInvalid(
            f"the old tree (size {old_size}) is larger than the new one (size {new_size}): "
            "a log never shrinks"
        )
    if old_size == 0:
        raise ProofInvalid(
            "a consistency proof from the empty tree proves nothing; "
            "check instead that the old root is the empty-tree hash"
        )
    _check_hash("the old root hash", old_root)
    _check_hash("the new root hash", new_root)
    _check_proof_hashes(proof)
    if old_size == new_size:
        if proof:
            raise ProofInvalid(
                f"both trees have size {old_size}, so the consistency proof must be empty; "
                f"it has {len(proof)} hashes"
            )
        if old_root != new_root:
            raise ProofInvalid(
                f"two different roots for the same tree size {old_size}: the log has been "
                "rewritten (a fork)"
            )
        return
    want = _consistency_length(old_size, new_size)
    if len(proof) != want:
        raise ProofInvalid(
            f"the consistency proof from size {old_size} to size {new_size} has {len(proof)} "
            f"hashes; it must have {want}"
        )
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:  # pragma: no cover - the length check above rules this out
            raise ProofInvalid("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + c + fr).digest()
            sr = _sha256(b"\x01" + c + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:  # pragma: no cover - the length check above rules this out
        raise ProofInvalid("the consistency proof is shorter than the tree is deep")
    if fr != old_root:
        raise ProofInvalid(
            f"the consistency proof does not lead to the old root (size {old_size}): "
            "the old tree is not a prefix of the new one, or the proof or root is wrong"
        )
    if sr != new_root:
        raise ProofInvalid(
            f"the consistency proof does not lead to the new root (size {new_size}): "
            "the new tree does not extend the old one, or the proof or root is wrong"
        )
