"""The transparency log's Merkle tree is RFC 9162's: any sequence of appends gives the root a
naive recursion computes, and every inclusion and consistency proof verifies — and no altered
one does."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonground.records.merkle import (
    EMPTY_ROOT,
    append_to_frontier,
    consistency_proof,
    frontier_ranges,
    frontier_root,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    subtree_of,
    verify_consistency,
    verify_inclusion,
)


def naive_root(entries: list[bytes]) -> bytes:
    """MTH as RFC 9162 §2.1.1 writes it, by plain recursion over the entries."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + naive_root(entries[:k]) + naive_root(entries[k:])).digest()


def appended(entries: list[bytes]) -> tuple[list[bytes], list[bytes], dict]:
    """Leaf hashes, the frontier and every completed subtree after appending ``entries`` one
    by one, as the log does."""
    frontier: list[bytes] = []
    leaves, nodes = [], {}
    for size, entry in enumerate(entries):
        leaf = leaf_hash(entry)
        leaves.append(leaf)
        frontier, completed = append_to_frontier(frontier, size, leaf)
        for level, index, digest in completed:
            nodes[(level, index)] = digest
    return leaves, frontier, nodes


entries_lists = st.lists(st.binary(max_size=12), min_size=1, max_size=70)


def test_the_empty_tree_has_the_hash_of_the_empty_string():
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == root_of([]) == frontier_root([])


def test_leaves_and_nodes_are_prefixed_so_a_leaf_never_passes_for_a_node():
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert leaf_hash(left + right) != node_hash(left, right)


def test_a_known_tree_of_three_leaves():
    a, b, c = (leaf_hash(x) for x in (b"a", b"b", b"c"))
    assert root_of([a, b, c]) == node_hash(node_hash(a, b), c)


@given(entries_lists)
def test_any_append_sequence_gives_the_naive_root_at_every_size(entries):
    leaves, frontier, _ = appended(entries)
    assert frontier_root(frontier) == naive_root(entries)
    for size in range(1, len(entries) + 1):
        assert root_of(leaves[:size]) == naive_root(entries[:size])


@given(entries_lists)
def test_appending_completes_exactly_the_perfect_subtrees_and_keeps_only_the_frontier(entries):
    leaves, frontier, nodes = appended(entries)
    subtree = subtree_of(leaves)
    for (level, index), digest in nodes.items():
        assert digest == subtree(index << level, (index + 1) << level)
    size = len(entries)
    assert len(frontier) == bin(size).count("1")
    assert frontier == [nodes[r] for r in frontier_ranges(size)]


def drawn_inclusion(entries, data):
    """Leaves, a size, a leaf index in it, that tree's root and the leaf's audit path."""
    leaves, _, _ = appended(entries)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    root = naive_root(entries[:size])
    return leaves, size, index, root, inclusion_proof(index, size, subtree_of(leaves))


@given(entries_lists, st.data())
def test_every_inclusion_proof_verifies_at_every_size(entries, data):
    leaves, size, index, root, proof = drawn_inclusion(entries, data)
    assert verify_inclusion(index, size, leaves[index], proof, root)
    assert len(proof) <= size.bit_length()


@given(entries_lists, st.data())
def test_an_inclusion_proof_fails_for_another_leaf_index_root_or_path(entries, data):
    leaves, size, index, root, proof = drawn_inclusion(entries, data)
    assert not verify_inclusion(index, size, leaf_hash(b"forged"), proof, root)
    assert not verify_inclusion(index, size, leaves[index], proof, leaf_hash(b"root"))
    if proof:
        broken = [*proof[:-1], leaf_hash(b"x")]
        assert not verify_inclusion(index, size, leaves[index], broken, root)
        assert not verify_inclusion(index, size, leaves[index], proof[:-1], root)
    assert not verify_inclusion(index, size, leaves[index], [*proof, root], root)
    if size > 1 and leaves[index] != leaves[(index + 1) % size]:
        assert not verify_inclusion((index + 1) % size, size, leaves[index], proof, root)


@given(entries_lists, st.data())
def test_consistency_between_any_two_sizes_verifies(entries, data):
    leaves, _, _ = appended(entries)
    new = data.draw(st.integers(0, len(leaves)))
    old = data.draw(st.integers(0, new))
    proof = consistency_proof(old, new, subtree_of(leaves))
    old_root, new_root = naive_root(entries[:old]), naive_root(entries[:new])
    assert verify_consistency(old, new, old_root, new_root, proof)


@given(entries_lists, st.data())
def test_a_rewritten_history_is_not_consistent_with_the_earlier_root(entries, data):
    leaves, _, _ = appended(entries)
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(1, new))
    changed = data.draw(st.integers(0, old - 1))
    rewritten = list(entries[:new])
    rewritten[changed] += b"!"
    rewritten_leaves, _, _ = appended(rewritten)
    proof = consistency_proof(old, new, subtree_of(rewritten_leaves))
    old_root = naive_root(entries[:old])
    assert not verify_consistency(old, new, old_root, naive_root(rewritten), proof)
    if proof:
        honest = consistency_proof(old, new, subtree_of(leaves))
        tampered = [*honest[:-1], leaf_hash(b"x")]
        assert not verify_consistency(old, new, old_root, naive_root(entries[:new]), tampered)


def test_proofs_refuse_sizes_outside_the_tree():
    leaves = [leaf_hash(b"a")]
    with pytest.raises(ValueError):
        inclusion_proof(1, 1, subtree_of(leaves))
    with pytest.raises(ValueError):
        consistency_proof(2, 1, subtree_of(leaves))
    assert not verify_inclusion(1, 1, leaves[0], [], leaves[0])
    assert not verify_consistency(2, 1, leaves[0], leaves[0], [])


def test_append_refuses_a_frontier_of_another_size():
    with pytest.raises(ValueError):
        append_to_frontier([], 1, leaf_hash(b"a"))
