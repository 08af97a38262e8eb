"""A deliberation's transparency log in the database: appending leaves, reading heads and
proofs (DESIGN §7; the tree is ``merkle.py``'s, the entries ``leaves.py``'s).

Every append runs inside the transaction of the change it records — from the audit seam
(:func:`~.audit.record_event`) and from the receivers of the discussion, consensus and voting
signals below — so the change and its leaf commit or roll back together. An append locks the
log's state row, takes the frontier (at most log2(n)+1 subtree hashes: remembered from this
process's last append while the state vouches for it, else read in one query), and writes
the leaf, the subtrees it completes and the new root: O(log n), whatever the size of the
log. Heads and proofs read stored hashes only; no request recomputes the tree.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from ..db import db, execute_after_inserts, held_lock, iso, utcnow
from ..deliberations.models import AgendaItem, Deliberation
from ..discussion.models import PostRevision
from ..errors import NotFound
from . import leaves
from .merkle import (
    EMPTY_ROOT,
    consistency_proof,
    frontier_ranges,
    frontier_root,
    inclusion_proof,
    node_hash,
    split_point,
)
from .models import LogLeaf, LogNode, LogState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TreeHead:
    """A log's size and root at the time of its last leaf (unsigned; see ``signing.py``)."""

    deliberation: str
    size: int
    root: str
    timestamp: str | None

    def to_json(self) -> dict:
        return {
            "deliberation": self.deliberation,
            "size": self.size,
            "root": self.root,
            "timestamp": self.timestamp,
        }


# --- appending ------------------------------------------------------------------------------


def _locked_state(deliberation_id: int) -> LogState:
    """The log's state, locked until commit, created (empty) on the first append; locked
    and read once per transaction (``db.held_lock``)."""
    return held_lock(("log_state", deliberation_id), lambda: _lock_state(deliberation_id))


def _lock_state(deliberation_id: int) -> LogState:
    state = db.session.execute(_LOCK_STATE, {"deliberation_id": deliberation_id}).scalar()
    if state is None:
        state = LogState(
            deliberation_id=deliberation_id,
            size=0,
            root=EMPTY_ROOT.hex(),
            updated_at=utcnow(),
            pseudonym_key=secrets.token_hex(32),
        )
        db.session.add(state)
        db.session.flush()
    return state


# The deliberation's row is the lock (it also serialises the audit chain: one lock order for
# every writer of a deliberation), and the state is read with it, in one statement: every
# writer of the state holds that lock. Built once: it runs for every append.
_LOCK_STATE = (
    sa.select(LogState)
    .select_from(Deliberation)
    .outerjoin(LogState, LogState.deliberation_id == Deliberation.id)
    .where(Deliberation.id == sa.bindparam("deliberation_id"))
    .with_for_update(of=Deliberation)
    .execution_options(populate_existing=True)
)


#: The frontier of each deliberation's log after this process's last append to it, with the
#: log's size and root then: ``{deliberation id: (size, root, frontier)}``.
_last_frontiers: dict[int, tuple[int, str, tuple[bytes, ...]]] = {}


def _frontier(deliberation_id: int, size: int, root: str) -> list[bytes]:
    """The frontier of the log whose locked state says ``size`` and ``root``.

    Taken from this process's last append when the state still says the size and root it
    left — the root is the hash of the frontier, so the locked state vouches for it, even if
    that append was rolled back or another process appended since (then they differ) —
    else read from the stored subtrees (one query). With one server process the stored
    frontier is read once per deliberation after a start.
    """
    last = _last_frontiers.get(deliberation_id)
    if last is not None and last[0] == size and last[1] == root:
        return list(last[2])
    ranges = frontier_ranges(size)
    stored = _nodes(deliberation_id, ranges)
    return [stored[r] for r in ranges]


def append(deliberation: Deliberation, event: str, subject: str, data: dict, at=None) -> None:
    """Append one leaf to ``deliberation``'s log and flush; the caller commits."""
    append_many(deliberation, [(event, subject, data, at or utcnow())])
    logger.info("log %s: %s %s", deliberation.slug, event, subject)


def append_many(
    deliberation: Deliberation, events: Iterable[tuple], state: LogState | None = None
) -> int:
    """Append leaves for ``events`` — ``(event, subject, data, at)`` each, in order — with
    one lock, one read of the frontier and bulk inserts (imports); flushed. Returns the
    new size of the log. ``state``: the log's state, when the caller has locked it already."""
    if state is None:
        state = _locked_state(deliberation.id)
    size = state.size
    frontier = _frontier(deliberation.id, size, state.root)
    events = list(events)
    leaf_rows, node_rows, frontier = leaves.appended_leaves(
        deliberation.id, deliberation.slug, size, frontier, events, iso
    )
    size += len(leaf_rows)
    if not leaf_rows:
        return size
    root, updated_at = frontier_root(frontier).hex(), events[-1][3]
    # The leaves, their subtrees and the new head in one statement (on PostgreSQL).
    execute_after_inserts(
        _UPDATE_STATE,
        {"id": deliberation.id, "size": size, "root": root, "updated_at": updated_at},
        [(LogLeaf.__table__, leaf_rows), (LogNode.__table__, node_rows)],
    )
    for name, value in (("size", size), ("root", root), ("updated_at", updated_at)):
        set_committed_value(state, name, value)
    _last_frontiers[deliberation.id] = (size, root, tuple(frontier))
    return size


_states = LogState.__table__
_UPDATE_STATE = (
    sa.update(_states)
    .where(_states.c.deliberation_id == sa.bindparam("id"))
    .values(
        size=sa.bindparam("size", type_=_states.c.size.type),
        root=sa.bindparam("root", type_=_states.c.root.type),
        updated_at=sa.bindparam("updated_at", type_=_states.c.updated_at.type),
    )
)


def pseudonym_key(deliberation_id: int) -> str:
    """The secret the deliberation's member pseudonyms are keyed with (made, with the log's
    state, the first time it is needed)."""
    key = db.session.scalar(
        sa.select(LogState.pseudonym_key).where(LogState.deliberation_id == deliberation_id)
    )
    return key if key is not None else _locked_state(deliberation_id).pseudonym_key


def member_pseudonym(deliberation_id: int, membership_id: int | None) -> str | None:
    """The member's pseudonym in the deliberation's leaves and records."""
    if membership_id is None:
        return None
    return leaves.pseudonym(pseudonym_key(deliberation_id), membership_id)


# --- reading heads and proofs ---------------------------------------------------------------


def state_of(deliberation: Deliberation) -> LogState | None:
    """The log's state row (None before its first leaf)."""
    return db.session.get(LogState, deliberation.id)


def tree_head(deliberation: Deliberation) -> TreeHead:
    """The log's current size and root (the empty tree's before its first leaf)."""
    state = state_of(deliberation)
    if state is None:
        return TreeHead(deliberation.slug, 0, EMPTY_ROOT.hex(), None)
    return TreeHead(deliberation.slug, state.size, state.root, iso(state.updated_at))


def root_at(deliberation: Deliberation, size: int) -> bytes:
    """The root of the log's first ``size`` leaves, from stored subtrees (one query)."""
    ranges = frontier_ranges(size)
    nodes = _nodes(deliberation.id, ranges)
    return frontier_root([nodes[r] for r in ranges])


def leaf_at(deliberation: Deliberation, index: int) -> LogLeaf | None:
    """The leaf at ``index``, or None."""
    return db.session.scalar(
        sa.select(LogLeaf).where(
            LogLeaf.deliberation_id == deliberation.id, LogLeaf.leaf_index == index
        )
    )


def inclusion(deliberation: Deliberation, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
    return _stored_proof(deliberation.id, lambda subtree: inclusion_proof(index, size, subtree))


def consistency(deliberation: Deliberation, old_size: int, new_size: int) -> list[bytes]:
    """The proof that the log's first ``old_size`` leaves are a prefix of its first
    ``new_size``."""
    return _stored_proof(
        deliberation.id, lambda subtree: consistency_proof(old_size, new_size, subtree)
    )


def _stored_proof(deliberation_id: int, prove) -> list[bytes]:
    """Run the proof algorithm ``prove(subtree)`` over stored subtrees: once to learn which
    complete subtrees it needs (the walk depends on sizes only, never on hashes), then,
    with those read in one query, for real."""
    needed: set[tuple[int, int]] = set()

    def wanted(start: int, end: int) -> bytes:
        return _subtree_hash(start, end, lambda r: needed.add(r) or EMPTY_ROOT)

    prove(wanted)
    nodes = _nodes(deliberation_id, needed)
    return prove(lambda start, end: _subtree_hash(start, end, nodes.__getitem__))


def _subtree_hash(start: int, end: int, stored) -> bytes:
    """MTH of leaves ``[start, end)`` from complete subtrees, ``stored((level, position))``,
    split as RFC 9162 splits: a complete subtree is read, anything else is joined from its
    largest complete left part and the rest."""
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return stored((level, start >> level))
    k = split_point(size)
    return node_hash(_subtree_hash(start, start + k, stored), _subtree_hash(start + k, end, stored))


def _nodes(deliberation_id: int, ranges) -> dict[tuple[int, int], bytes]:
    """Stored subtree hashes by (level, position), in one query."""
    ranges = set(ranges)
    if not ranges:
        return {}
    by_level: dict[int, list[int]] = {}
    for level, position in sorted(ranges):
        by_level.setdefault(level, []).append(position)
    # One term per level, each a whole primary-key prefix plus a list of positions: SQLite
    # and PostgreSQL then look each up in the key, where a row-value IN (or a term shared
    # outside the OR) lets SQLite scan every node of the deliberation.
    rows = db.session.execute(
        sa.select(LogNode.level, LogNode.position, LogNode.hash).where(
            sa.or_(
                *(
                    sa.and_(
                        LogNode.deliberation_id == deliberation_id,
                        LogNode.level == level,
                        LogNode.position.in_(positions),
                    )
                    for level, positions in by_level.items()
                )
            )
        )
    )
    found = {(level, position): bytes(digest) for level, position, digest in rows}
    missing = ranges - set(found)
    if missing:
        raise LookupError(f"the log lacks subtrees {sorted(missing)[:3]}")
    return found


# --- receivers of the signals (connected in ``records.init_app``) -----------------------------


def _append_in_item(item_id: int, event: str, subject: str, at, data_of) -> None:
    """Append a leaf to the log of the item's deliberation; ``data_of(alias)`` builds its
    data, ``alias(membership_id)`` giving a member's pseudonym there."""
    _append_many_in_item(item_id, [(event, subject, at, data_of)])


def _append_many_in_item(item_id: int, entries: list[tuple]) -> None:
    """Append a leaf per ``(event, subject, at, data_of)`` of ``entries``, in order, to the
    log of the item's deliberation, with one lock and one append (see _append_in_item)."""
    deliberation = db.session.get(AgendaItem, item_id).deliberation
    # The lock first: the pseudonym key comes with the state, with no query of its own.
    state = _locked_state(deliberation.id)
    key = state.pseudonym_key

    def alias(membership_id):
        return None if membership_id is None else leaves.pseudonym(key, membership_id)

    append_many(
        deliberation,
        [
            (event, subject, data_of(alias), at or utcnow())
            for event, subject, at, data_of in entries
        ],
        state,
    )
    for event, subject, _, _ in entries:
        logger.info("log %s: %s %s", deliberation.slug, event, subject)


def log_posts_created(item, posts, **kwargs) -> None:
    """``events.posts_created``: each post, its place and author, and its body's hash — one
    leaf per post, appended together."""
    _append_many_in_item(
        item.id,
        [
            (
                leaves.POST_CREATE,
                f"post:{post.id}",
                post.created_at,
                lambda alias, post=post: leaves.post_created_data(
                    item=item.id,
                    parent=post.parent_id,
                    author=alias(post.author_id),
                    language=post.language,
                    body=post.body,
                ),
            )
            for post in posts
        ],
    )


def log_post_edited(post, **kwargs) -> None:
    """``events.post_edited``: the new body's hash, as the post's n-th edit (its number of
    kept revisions)."""
    revision = db.session.scalar(
        sa.select(sa.func.count(PostRevision.id)).where(PostRevision.post_id == post.id)
    )
    _append_in_item(
        post.item_id,
        leaves.POST_EDIT,
        f"post:{post.id}",
        post.edited_at,
        lambda alias: leaves.post_edited_data(
            revision=revision, language=post.language, body=post.body
        ),
    )


def log_post_translated(translation, post, **kwargs) -> None:
    """``events.post_translated``: a translation added or replaced, by its hash."""
    _append_in_item(
        post.item_id,
        leaves.POST_TRANSLATE,
        f"post:{post.id}",
        translation.created_at,
        lambda alias: leaves.post_translated_data(
            language=translation.language,
            translator=alias(translation.translator_id),
            body=translation.body,
        ),
    )


def log_post_redacted(post, membership, moderator=None, **kwargs) -> None:
    """``events.post_redacted``: the post's text replaced by the notice, by its hash; earlier
    leaves keep the hashes of the text the record no longer holds."""
    _append_in_item(
        post.item_id,
        leaves.POST_REDACT,
        f"post:{post.id}",
        post.redacted_at,
        lambda alias: leaves.post_redacted_data(
            author=alias(membership.id),
            moderator=alias(moderator.id) if moderator is not None else None,
            body=post.body,
        ),
    )


def log_reaction_changed(reaction, post, **kwargs) -> None:
    """``events.reaction_changed``: the member's new stance on the post."""
    _append_in_item(
        post.item_id,
        leaves.REACTION_CHANGE,
        f"post:{post.id}",
        reaction.updated_at,
        lambda alias: leaves.reaction_data(
            post=post.id, member=alias(reaction.membership_id), stance=reaction.stance
        ),
    )


def log_ballots_cast(motion, casts, **kwargs) -> None:
    """``events.ballots_cast``: each cast's receipt — and, for an open ballot only, the voter
    and the choice — one leaf per cast, appended together."""
    _append_many_in_item(
        motion.item_id,
        [
            (
                leaves.BALLOT_CAST,
                f"receipt:{cast.receipt}",
                cast.updated_at,
                lambda alias, cast=cast: leaves.ballot_data(
                    motion=motion.id,
                    receipt=cast.receipt,
                    secret=bool(motion.secret),
                    member=alias(cast.membership_id),
                    choice=cast.choice,
                    sequence=cast.sequence,
                ),
            )
            for cast in casts
        ],
    )


def receipt_leaf(deliberation: Deliberation, receipt: str) -> int:
    """The index of the leaf that logged the ballot with ``receipt``, or a 404 error."""
    index = _subject_leaf(deliberation, f"receipt:{str(receipt).lower()}", leaves.BALLOT_CAST)
    if index is None:
        raise NotFound(_l("No ballot with this receipt is in the log."), code="unknown_receipt")
    return index


def post_leaf(deliberation: Deliberation, post_id: int) -> int:
    """The index of the leaf that logged the creation of post ``post_id``, or a 404 error."""
    index = _subject_leaf(deliberation, f"post:{post_id}", leaves.POST_CREATE)
    if index is None:
        raise NotFound(_l("There is no post with this number."), code="unknown_post")
    return index


def _subject_leaf(deliberation: Deliberation, subject: str, event: str) -> int | None:
    """The first leaf about ``subject`` recording ``event`` (an index lookup)."""
    return db.session.scalar(
        sa.select(LogLeaf.leaf_index)
        .where(
            LogLeaf.deliberation_id == deliberation.id,
            LogLeaf.subject == subject,
            LogLeaf.event == event,
        )
        .order_by(LogLeaf.leaf_index)
        .limit(1)
    )
