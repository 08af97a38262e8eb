"""The transparency log's Merkle tree, as RFC 9162 (Certificate Transparency 2.0, §2.1)
defines it: pure functions over bytes (no database, no Flask).

With SHA-256 as the hash::

    MTH({})      = SHA-256()
    MTH({d0})    = SHA-256(0x00 || d0)                        (a leaf)
    MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  (a node)

where ``k`` is the largest power of two smaller than ``n``. The different prefixes of leaves
and nodes keep a leaf from ever passing for a node (second-preimage attacks).

The log never recomputes its whole tree: it keeps the *frontier*, the roots of the perfect
subtrees along the tree's right edge (one per 1-bit of the size, largest first).
:func:`append_to_frontier` adds a leaf in O(log n) and :func:`frontier_root` gives the root
from the frontier alone. Proofs need the hashes of complete subtrees, which the log stores as
it goes; here they are asked for through ``subtree(start, end)`` so that the same proof
algorithm runs over a list of leaves (tests, offline verification) and over stored nodes.

Inclusion and consistency proofs and their verification follow RFC 9162 §2.1.3 and §2.1.4
word for word, so any CT verifier can check what the log serves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

#: The root of a tree without leaves: the hash of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: ``subtree(start, end)``: the hash of the complete subtree over leaves ``[start, end)``.
Subtree = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one leaf's entry."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an inner node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- appending: the frontier ------------------------------------------------------------------


def append_to_frontier(
    frontier: Sequence[bytes], size: int, leaf: bytes
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Add the leaf hash ``leaf`` to a tree of ``size`` leaves whose frontier is ``frontier``.

    Returns the new frontier and the complete subtrees the append completed, as
    ``(level, index, hash)`` — the subtree over leaves ``[index·2^level, (index+1)·2^level)``
    — starting with the leaf itself (level 0). At most ``log2(n) + 1`` hashes either way.
    """
    if len(frontier) != bin(size).count("1"):
        raise ValueError("the frontier does not match the tree's size")
    frontier = list(frontier)
    completed = [(0, size, leaf)]
    node, level, position = leaf, 0, size
    # Every trailing 1-bit of the old size is a perfect subtree the new leaf completes.
    while position & 1:
        node = node_hash(frontier.pop(), node)
        level, position = level + 1, position >> 1
        completed.append((level, position, node))
    frontier.append(node)
    return frontier, completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The root of the tree whose frontier (largest subtree first) is ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def frontier_ranges(size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of each frontier subtree of a tree of ``size`` leaves."""
    ranges, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            ranges.append((level, start >> level))
            start += 1 << level
    return ranges


# --- the tree over a complete list of leaves (verifiers, tests) --------------------------------


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The root of the tree over ``leaves`` (leaf hashes), in O(n) hashing and O(log n)
    memory beyond the list."""
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        frontier, _ = append_to_frontier(frontier, size, leaf)
    return frontier_root(frontier)


def subtree_of(leaves: Sequence[bytes]) -> Subtree:
    """``subtree(start, end)`` over a list of leaf hashes, computed by recursion."""

    def subtree(start: int, end: int) -> bytes:
        if end - start == 1:
            return leaves[start]
        k = split_point(end - start)
        return node_hash(subtree(start, start + k), subtree(start + k, end))

    return subtree


# --- proofs (RFC 9162 §2.1.3.1 and §2.1.4.1) ---------------------------------------------------


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of the first ``size`` leaves:
    ``PATH(m, D[n])``, nearest the leaf first."""
    if not 0 <= index < size:
        raise ValueError("the leaf is not in the tree")
    path: list[bytes] = []
    start, end = 0, size
    # Walk down from the root, keeping the sibling of each subtree the leaf lies in.
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, subtree: Subtree) -> list[bytes]:
    """``PROOF(m, D[n])``: the hashes proving the tree of ``old_size`` leaves is a prefix of
    the tree of ``new_size`` leaves (empty when the sizes are equal or the old tree empty)."""
    if not 0 <= old_size <= new_size:
        raise ValueError("the old size must lie between 0 and the new size")
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    start, end, complete = 0, new_size, True
    m = old_size
    # SUBPROOF(m, D[start:end], complete), iteratively; hashes collected root-side first.
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append(subtree(start, end))
            break
        k = split_point(n)
        if m <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start, m, complete = start + k, m - k, False
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` (an audit path) and ``leaf`` give for leaf ``index`` of a tree
    of ``size`` leaves; raises ValueError when the proof has the wrong shape
    (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ValueError("the leaf is not in the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("the proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("the proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree with ``root``."""
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except ValueError:
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree ``(old_size, old_root)`` to be a prefix of the tree
    ``(new_size, new_root)`` (RFC 9162 §2.1.4.2)."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    proof = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        proof.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
