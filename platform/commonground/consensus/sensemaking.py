"""Reading an item's opinion groups: the response matrix from the database, the computation
of :mod:`.opinions`, and its cache. No change to any data.

The matrix is read in three queries (every reaction to the item's posts, from an index that
covers them, as one text of numbers per post — hidden posts included: their columns are
zeroed, as Pol.is does with statements moderated out; the hidden posts; the members'
groups). The result is kept
per item in the process and recomputed only when the item's reactions have changed *and*
the last computation is older than ``OPINIONS_INTERVAL`` seconds (default 5): a busy room
costs one computation every few seconds, however many people read the page. Whether the
reactions changed is asked of the database (one aggregate query, at most once per interval:
within it the cached result is served without any query), not of this process's memory, so
every process of a scaled-out installation notices changes made by the others.

Recomputing happens in the background: a reaction (the ``reaction_changed`` signal) has the
process that recorded it recompute its item once the reaction is committed, no sooner than
the interval after the previous computation, and once for any number of reactions in
between, and tells the item's room (``opinions:updated {item}``) when the result is new, so
open pages fetch their figures again. Readers then find a fresh result; only a process that
did not record the change
computes while reading, at most once per interval. ``OPINIONS_INTERVAL = 0`` turns the
background work off: every reading after a change computes (the tests use this).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from flask import current_app

from ..db import db
from ..deliberations.access import require_reader
from ..deliberations.models import AgendaItem, Membership, StakeholderGroup
from ..discussion.models import Post, Reaction
from ..extensions import socketio
from ..realtime.emitting import call_after_commit
from ..realtime.rooms import item_room
from .bridging import Bridging, bridging_many
from .models import Exposure
from .opinions import ALGORITHM, VERSION, OpinionGroups, OpinionParams, opinion_groups
from .routing import priority, routing_weights
from .rules import GroupResponses, PostScore

logger = logging.getLogger(__name__)

#: Sent to the item's room when a background recomputation gave a new result.
OPINIONS_UPDATED = "opinions:updated"

#: Config key: the least number of seconds between two computations of one item.
INTERVAL_SETTING = "OPINIONS_INTERVAL"
DEFAULT_INTERVAL = 5.0


@dataclass
class ResponseMatrix:
    """Who responded how to which statement of an item."""

    #: Membership id of each row, ascending.
    members: list[int]
    #: Post id of each column, ascending.
    posts: list[int]
    #: +1 / −1 / 0, NaN where a member did not respond.
    values: np.ndarray
    #: Per column: the post is hidden by a moderator.
    moderated: np.ndarray
    #: Declared stakeholder group key of each row (None: no group).
    declared: list[str | None]


@dataclass
class ItemOpinions:
    """An item's opinion groups as computed at ``computed_at`` from ``matrix``."""

    item_id: int
    matrix: ResponseMatrix
    groups: OpinionGroups
    computed_at: float
    fingerprint: tuple
    #: Keys of the declared groups that had members (see ``populated_groups``).
    populated: set[str]
    #: When the database was last asked whether the result is still current.
    checked_at: float

    @property
    def algorithm(self) -> dict:
        return {"name": ALGORITHM, "version": VERSION, "params": self.groups.params.to_json()}

    @property
    def clusterable(self) -> int:
        """Members with enough responses to be clustered."""
        answered = (~np.isnan(self.matrix.values)).sum(axis=1)
        return int((answered >= self.groups.params.min_responses).sum())

    def group_counts(self) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per opinion group: agrees, disagrees and responses per post (column)."""
        values = self.matrix.values
        counts = {}
        for group in range(self.groups.group_count):
            rows = values[self.groups.labels == group]
            counts[group] = (
                (rows == 1).sum(axis=0),
                (rows == -1).sum(axis=0),
                (~np.isnan(rows)).sum(axis=0),
            )
        return counts


#: The stance as a code of two bits, computed by the database: 1 agree, 2 disagree, 0 pass;
#: ``_VALUE_OF_CODE`` turns it into the matrix's +1 / −1 / 0.
_STANCE_CODE = sa.case((Reaction.stance == "agree", 1), (Reaction.stance == "disagree", 2), else_=0)
_VALUE_OF_CODE = np.array([0.0, 1.0, -1.0])


def response_matrix(item: AgendaItem) -> ResponseMatrix:
    """Every reaction to the item's posts, as a members × posts matrix (three queries).

    The reactions are the bulk (up to a million at 2,000 members × 500 posts). The database
    reads them from an index that holds every column needed (no lookup in the table per
    reaction) and returns one row per post: its reactions as one text of numbers, each the
    member's id and the stance's code together (``id × 4 + code``), which numpy parses in
    one call — no Python object per reaction. Hidden posts (few) are read apart.
    """
    connection = db.session.connection()
    rows = connection.execute(
        sa.select(
            Reaction.post_id,
            sa.func.aggregate_strings(
                sa.cast(Reaction.membership_id * 4 + _STANCE_CODE, sa.String), ","
            ),
        )
        .join(Post, Post.id == Reaction.post_id)
        .where(Post.item_id == item.id)
        .group_by(Reaction.post_id)
    ).all()
    rows = sorted(rows)
    posts = np.array([post for post, _ in rows], dtype=np.int64)
    texts = [text for _, text in rows]
    codes = (
        np.fromstring(",".join(texts), dtype=np.int64, sep=",")
        if texts
        else np.empty(0, dtype=np.int64)
    )
    columns_at = np.repeat(np.arange(len(posts)), [text.count(",") + 1 for text in texts])
    hidden = np.array(
        connection.execute(sa.select(Post.id).where(Post.item_id == item.id, Post.hidden.is_(True)))
        .scalars()
        .all(),
        dtype=np.int64,
    )
    group_of = dict(
        connection.execute(
            sa.select(Membership.id, StakeholderGroup.key)
            .join(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
            .where(Membership.deliberation_id == item.deliberation_id)
        ).all()
    )
    members, rows_at = _numbered(codes >> 2)
    values = np.full((len(members), len(posts)), np.nan)
    values[rows_at, columns_at] = _VALUE_OF_CODE[codes & 3]
    moderated = np.isin(posts, hidden)
    members_list = members.tolist()
    declared = [group_of.get(member) for member in members_list]
    return ResponseMatrix(members_list, posts.tolist(), values, moderated, declared)


def _numbered(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``ids`` ascending, and the place of each id among them (as
    ``np.unique(ids, return_inverse=True)``). Ids of one item's members lie close together:
    they are then placed through a table spanning them, without sorting every reaction."""
    if not len(ids):
        return ids, ids
    low = int(ids.min())
    span = int(ids.max()) - low + 1
    if span > 4 * len(ids) + 4096:
        return np.unique(ids, return_inverse=True)
    present = np.zeros(span, dtype=bool)
    present[ids - low] = True
    return np.flatnonzero(present) + low, (np.cumsum(present) - 1)[ids - low]


def _fingerprint(item: AgendaItem) -> tuple:
    """Changes whenever a reaction to the item is added, changed or removed, a post that has
    reactions is hidden or shown again, or a member joins, leaves or changes group."""
    members = (
        sa.select(
            sa.func.count(Membership.id)
            + sa.func.coalesce(
                sa.func.sum(Membership.id * sa.func.coalesce(Membership.group_id, 0)), 0
            )
        )
        .where(Membership.deliberation_id == item.deliberation_id)
        .scalar_subquery()
    )
    row = db.session.execute(
        sa.select(
            sa.func.count(Reaction.id),
            sa.func.max(Reaction.id),
            sa.func.max(Reaction.updated_at),
            sa.func.sum(sa.case((Post.hidden.is_(True), Post.id), else_=0)),
            members,
        )
        .join(Post, Post.id == Reaction.post_id)
        .where(Post.item_id == item.id)
    ).one()
    return tuple(str(value) for value in row)


#: (database URL, item id) → result: one process may serve several databases (tests do).
_cache: dict[tuple[str, int], ItemOpinions] = {}
_lock = threading.Lock()


def item_opinions(
    item: AgendaItem, params: OpinionParams | None = None, *, fresh: bool = False
) -> ItemOpinions:
    """The item's opinion groups: from the cache while fresh (see the module), else computed
    now and cached; ``fresh``: computed now unless nothing changed. Readers' rights are the
    caller's business."""
    interval = float(current_app.config.get(INTERVAL_SETTING, DEFAULT_INTERVAL))
    key = (str(db.engine.url), item.id)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    # Within the interval the cached result is served without asking the database anything;
    # after it, the fingerprint says whether anything changed (and is asked again only after
    # another interval).
    if cached is not None and not fresh and now - cached.checked_at < interval:
        return cached
    fingerprint = _fingerprint(item)
    if cached is not None and cached.fingerprint == fingerprint:
        cached.checked_at = now
        return cached
    matrix = response_matrix(item)
    started = time.perf_counter()
    groups = opinion_groups(matrix.values, matrix.moderated, params)
    logger.info(
        "opinion groups of item %s: %s members × %s posts, %s groups, %.0f ms",
        item.id,
        len(matrix.members),
        len(matrix.posts),
        groups.group_count,
        1000 * (time.perf_counter() - started),
    )
    result = ItemOpinions(item.id, matrix, groups, now, fingerprint, populated_groups(item), now)
    with _lock:
        _cache[key] = result
    return result


def populated_groups(item: AgendaItem) -> set[str]:
    """Keys of the declared stakeholder groups that have at least one member: a group nobody
    belongs to can never respond, so it cannot hold a statement back."""
    return set(
        db.session.scalars(
            sa.select(StakeholderGroup.key)
            .join(Membership, Membership.group_id == StakeholderGroup.id)
            .where(StakeholderGroup.deliberation_id == item.deliberation_id)
            .distinct()
        )
    )


def bridging_of(
    item: AgendaItem, scored: list[tuple[int, PostScore | GroupResponses]]
) -> list[Bridging]:
    """Bridging figures (see :mod:`.bridging`) of the item's posts, each given with its
    score: over the declared groups that have members and over the opinion groups."""
    opinions = item_opinions(item)
    populated = opinions.populated
    column_of = {post: j for j, post in enumerate(opinions.matrix.posts)}
    by_opinion = opinions.group_counts()
    keys = [group.key for group in item.deliberation.groups if group.key in populated]
    shown_to = seen_by(opinions, item, keys)
    nobody = np.zeros(len(keys) + opinions.groups.group_count, dtype=bool)
    rows = []
    for post_id, score in scored:
        row = [(c.agree, c.disagree, c.seen) for key, c in score.groups if key in populated]
        column = column_of.get(post_id)
        for agree, disagree, seen in by_opinion.values():
            row.append(
                (0, 0, 0)
                if column is None
                else (int(agree[column]), int(disagree[column]), int(seen[column]))
            )
        rows.append(row)
    if not rows:
        return []
    counts = np.array(rows, dtype=float).reshape(len(rows), -1, 3)
    shown = np.array([shown_to.get(post_id, nobody) for post_id, _ in scored], dtype=bool)
    return bridging_many(
        counts[:, :, 0], counts[:, :, 1], counts[:, :, 2], shown.reshape(counts.shape[:2])
    )


# --- routing ---------------------------------------------------------------------------------


@dataclass
class Candidates:
    """The posts a member may be offered next, with their routing weights (``routing.py``)."""

    post_ids: list[int]
    weights: np.ndarray
    priorities: np.ndarray
    #: Visible posts of the item the member has not reacted to (offered or not).
    unanswered: int


def _exposures(item_id: int) -> list[tuple[int, int, str | None]]:
    """(post, membership, declared group key) of every post of the item offered to anyone."""
    return db.session.execute(
        sa.select(Exposure.post_id, Exposure.membership_id, StakeholderGroup.key)
        .join(Post, Post.id == Exposure.post_id)
        .join(Membership, Membership.id == Exposure.membership_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
        .where(Post.item_id == item_id)
    ).all()


def seen_by(opinions: ItemOpinions, item: AgendaItem, keys: list[str]) -> dict[int, np.ndarray]:
    """Post id → which groups responded to it or were shown it: a boolean per group, the
    declared groups ``keys`` first, then the opinion groups. Posts nobody saw are absent."""
    matrix, labels = opinions.matrix, opinions.groups.labels
    declared = np.array(matrix.declared, dtype=object)
    memberships = [declared == key for key in keys]
    memberships += [labels == group for group in range(opinions.groups.group_count)]
    responded = ~np.isnan(matrix.values)
    by_group = np.stack(
        [responded[rows].any(axis=0) for rows in memberships] or [np.zeros(len(matrix.posts))],
        axis=1,
    )[:, : len(memberships)]
    seen = {post_id: by_group[column].copy() for column, post_id in enumerate(matrix.posts)}
    column_of_key = {key: i for i, key in enumerate(keys)}
    member_row = {member: row for row, member in enumerate(matrix.members)}
    for post_id, membership_id, key in _exposures(item.id):
        groups = seen.setdefault(post_id, np.zeros(len(memberships), dtype=bool))
        if key in column_of_key:
            groups[column_of_key[key]] = True
        row = member_row.get(membership_id)
        if row is not None and labels[row] >= 0:
            groups[len(keys) + labels[row]] = True
    return seen


def routing_candidates(item: AgendaItem, membership: Membership) -> Candidates:
    """The visible posts ``membership`` has not reacted to and did not write, weighted by the
    corrected Pol.is priority and by the groups that have not seen them; posts never offered
    to the member come first (only when every one was offered are those offered again)."""
    opinions = item_opinions(item)
    matrix = opinions.matrix
    own = set(
        db.session.scalars(
            sa.select(Reaction.post_id)
            .join(Post, Post.id == Reaction.post_id)
            .where(Reaction.membership_id == membership.id, Post.item_id == item.id)
        )
    )
    offered = set(
        db.session.scalars(
            sa.select(Exposure.post_id)
            .join(Post, Post.id == Exposure.post_id)
            .where(Exposure.membership_id == membership.id, Post.item_id == item.id)
        )
    )
    visible = db.session.execute(
        sa.select(Post.id, Post.author_id)
        .where(Post.item_id == item.id, Post.hidden.is_(False))
        .order_by(Post.id)
    ).all()
    unanswered = [post_id for post_id, author in visible if post_id not in own]
    candidates = [
        post_id for post_id, author in visible if post_id not in own and author != membership.id
    ]
    fresh = [post_id for post_id in candidates if post_id not in offered]
    candidates = fresh or candidates
    keys = sorted(opinions.populated)
    total = len(keys) + opinions.groups.group_count
    seen = seen_by(opinions, item, keys)
    column_of = {post: j for j, post in enumerate(matrix.posts)}
    values = matrix.values
    counts = np.zeros((len(candidates), 3))
    extremity = np.zeros(len(candidates))
    for i, post_id in enumerate(candidates):
        column = column_of.get(post_id)
        if column is not None:
            answers = values[:, column]
            counts[i] = ((answers == 1).sum(), (answers == -1).sum(), (~np.isnan(answers)).sum())
            extremity[i] = opinions.groups.extremity[column]
    priorities = priority(counts[:, 0], counts[:, 1], counts[:, 2], extremity)
    unseen = np.array(
        [total - int(seen[p].sum()) if p in seen else total for p in candidates], dtype=float
    )
    return Candidates(
        candidates, routing_weights(priorities, unseen, total), priorities, len(unanswered)
    )


def readable_opinions(user, item: AgendaItem) -> ItemOpinions:
    """The item's opinion groups, for anyone who may read its deliberation."""
    require_reader(user, item.deliberation)
    return item_opinions(item)


#: (database URL, item id) of the recomputations already scheduled by this process.
_due: set[tuple[str, int]] = set()


def refresh_when_committed(reaction, *, item: AgendaItem, **_facts) -> None:
    """Receiver of ``reaction_changed``: recompute the item's opinion groups in the
    background once the reaction is committed (coalesced; see the module)."""
    app = current_app._get_current_object()
    interval = float(app.config.get(INTERVAL_SETTING, DEFAULT_INTERVAL))
    if interval <= 0:
        return
    call_after_commit(lambda: _schedule(app, item.id, interval))


def _schedule(app, item_id: int, interval: float) -> None:
    key = (str(db.engine.url), item_id)
    with _lock:
        if key in _due:
            # A recomputation is scheduled and has not read the reactions yet: it will see these.
            return
        _due.add(key)
        cached = _cache.get(key)
    wait = (
        interval if cached is None else max(0.0, cached.computed_at + interval - time.monotonic())
    )
    socketio.start_background_task(_recompute, app, key, wait)


def _recompute(app, key: tuple[str, int], wait: float) -> None:
    socketio.sleep(wait)
    with _lock:
        # From here on, a newly committed reaction schedules a recomputation of its own.
        _due.discard(key)
    try:
        with app.app_context():
            item = db.session.get(AgendaItem, key[1])
            if item is None:
                return
            with _lock:
                before = _cache.get(key)
            if item_opinions(item, fresh=True) is not before:
                # A new result (nothing was written: the reactions it read are committed).
                # The open Common Ground and opinion pages fetch their figures again.
                socketio.emit(OPINIONS_UPDATED, {"item": item.id}, to=item_room(item.id))
    except Exception:
        logger.exception("could not recompute the opinion groups of item %s", key[1])


def forget() -> None:
    """Drop every cached result: the next reading of each item recomputes."""
    with _lock:
        _cache.clear()
