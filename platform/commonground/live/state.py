"""Reading a deliberation's live session state from the database (shape: schemas.py).

Everything comes from the database — the session row, the floor requests, the latest
announcement, the audit chain — never from process memory: a restarted process, or any
other process behind the load balancer, reads the same state. A constant number of
queries, whatever the length of the queue.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from ..accounts.models import User
from ..db import db, iso, utcnow
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..discussion.models import Post
from ..records.models import AuditEvent
from .models import Announcement, FloorRequest, SessionState
from .rules import WaitingRequest, balanced_order, plain_order
from .schemas import announcement_json

ROUND_START = "session.round.start"
ANNOUNCE = "session.announce"
ANNOUNCE_CLEAR = "session.announce.clear"


def session_row(deliberation: Deliberation) -> SessionState | None:
    """The deliberation's session row, re-read from the database (None before any use)."""
    return db.session.scalar(_SESSION_ROW, {"deliberation_id": deliberation.id})


# Built once: it is read for every group of posts.
_SESSION_ROW = (
    sa.select(SessionState)
    .where(SessionState.deliberation_id == sa.bindparam("deliberation_id"))
    .execution_options(populate_existing=True)
)


def queue_rows(item_id: int) -> list:
    """The waiting and speaking requests of an item with their members' names and groups."""
    user = aliased(User)
    group = aliased(StakeholderGroup)
    return list(
        db.session.execute(
            sa.select(FloorRequest, user.name, group.key)
            .join(Membership, Membership.id == FloorRequest.membership_id)
            .join(user, user.id == Membership.user_id)
            .outerjoin(group, group.id == Membership.group_id)
            .where(
                FloorRequest.item_id == item_id,
                FloorRequest.status.in_(("waiting", "speaking")),
            )
            .order_by(FloorRequest.requested_at, FloorRequest.id)
        )
    )


def posts_by_group(item_id: int) -> dict[str, int]:
    """Posts made in an item, by the author's group key (one GROUP BY)."""
    return {
        key: count
        for key, count in db.session.execute(
            sa.select(StakeholderGroup.key, sa.func.count(Post.id))
            .join(Membership, Membership.id == Post.author_id)
            .join(StakeholderGroup, StakeholderGroup.id == Membership.group_id)
            .where(Post.item_id == item_id)
            .group_by(StakeholderGroup.key)
        )
    }


def group_shares(deliberation: Deliberation) -> dict[str, int]:
    return dict(
        db.session.execute(
            sa.select(StakeholderGroup.key, StakeholderGroup.share).where(
                StakeholderGroup.deliberation_id == deliberation.id
            )
        ).all()
    )


def announcements_query(deliberation: Deliberation) -> sa.Select:
    """(announcement, author's name) of the deliberation, newest first.

    The name comes from the author's membership, else from the audit event that recorded
    the announcement (an administrator may announce without being a member).
    """
    author = aliased(Membership)
    author_user = aliased(User)
    recorded = sa.and_(
        AuditEvent.deliberation_id == Announcement.deliberation_id,
        AuditEvent.action == ANNOUNCE,
        AuditEvent.target == sa.literal("announcement:") + sa.cast(Announcement.id, sa.String),
    )
    return (
        sa.select(Announcement, sa.func.coalesce(author_user.name, AuditEvent.actor_name))
        .outerjoin(author, author.id == Announcement.author_id)
        .outerjoin(author_user, author_user.id == author.user_id)
        .outerjoin(AuditEvent, recorded)
        .where(Announcement.deliberation_id == deliberation.id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )


def latest_announcement(deliberation: Deliberation) -> dict | None:
    """The announcement the session banner shows, as JSON, or None: the latest one, unless a
    moderator cleared the banner since or it is older than ``ANNOUNCEMENT_TTL`` seconds.
    ``expires_at`` tells clients when to take it down themselves."""
    cleared = (
        sa.select(sa.func.max(AuditEvent.created_at))
        .where(AuditEvent.deliberation_id == deliberation.id, AuditEvent.action == ANNOUNCE_CLEAR)
        .scalar_subquery()
    )
    query = announcements_query(deliberation).where(
        sa.or_(cleared.is_(None), Announcement.created_at > cleared)
    )
    ttl = current_app.config.get("ANNOUNCEMENT_TTL") or 0
    if ttl > 0:
        query = query.where(Announcement.created_at > utcnow() - timedelta(seconds=ttl))
    row = db.session.execute(query.limit(1)).first()
    if not row:
        return None
    shown = announcement_json(*row)
    expires = row[0].created_at + timedelta(seconds=ttl) if ttl > 0 else None
    return {**shown, "expires_at": iso(expires) if expires else None}


def _chain_facts(deliberation: Deliberation):
    """(length of the audit chain, time the running round started) in one query."""
    round_started = (
        sa.select(sa.func.max(AuditEvent.created_at))
        .where(AuditEvent.deliberation_id == deliberation.id, AuditEvent.action == ROUND_START)
        .scalar_subquery()
    )
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.max(AuditEvent.seq), 0), round_started).where(
            AuditEvent.deliberation_id == deliberation.id
        )
    ).one()


def session_state(deliberation: Deliberation) -> dict:
    """The whole live state of the deliberation (DESIGN §5, extended; see schemas.py)."""
    row = session_row(deliberation)
    version, round_started = _chain_facts(deliberation)
    item = None
    if row is not None and row.current_item_id is not None:
        item = db.session.scalar(
            sa.select(AgendaItem)
            .where(AgendaItem.id == row.current_item_id)
            .options(selectinload(AgendaItem.translations))
            .execution_options(populate_existing=True)
        )
    queue, speaking, balanced = [], None, []
    if item is not None:
        waiting = []
        for request, name, group in queue_rows(item.id):
            if request.is_speaking:
                speaking = {
                    "member": request.membership_id,
                    "name": name,
                    "group": group,
                    "since": iso(request.resolved_at),
                    "item": item.id,
                }
                continue
            waiting.append((request, name, group))
        ordered = plain_order(
            WaitingRequest(r.id, r.membership_id, g, r.requested_at) for r, _, g in waiting
        )
        entries = {r.id: (r, name, g) for r, name, g in waiting}
        for request in ordered:
            r, name, group = entries[request.id]
            queue.append(
                {
                    "member": r.membership_id,
                    "name": name,
                    "group": group,
                    "requested_at": iso(r.requested_at),
                    "request": r.id,
                }
            )
        if ordered:
            balanced = [
                r.member
                for r in balanced_order(
                    ordered, posts_by_group(item.id), group_shares(deliberation)
                )
            ]
    has_round = row is not None and row.round_ends_at is not None
    return {
        "deliberation": deliberation.slug,
        "version": version,
        "current_item": item.id if item is not None else None,
        "item": _item_json(item) if item is not None else None,
        "round": (
            {
                "title": row.round_title or "",
                "ends_at": iso(row.round_ends_at),
                "started_at": iso(round_started),
            }
            if has_round
            else None
        ),
        "queue": queue,
        "balanced_order": balanced,
        "speaker": speaking["member"] if speaking else None,
        "speaking": speaking,
        "announcement": latest_announcement(deliberation),
        "updated_at": iso(row.updated_at) if row is not None else None,
        "server_time": iso(utcnow()),
    }


def _item_json(item: AgendaItem) -> dict:
    return {
        "id": item.id,
        "numeral": item.numeral or str(item.position),
        "title": item.title,
        "language": item.language,
        "titles": {t.language: t.title for t in item.translations},
        "status": item.status,
        "locked": item.locked,
    }


def comparable(state: dict) -> dict:
    """The state without the moment it was read: what two processes must agree on."""
    return {key: value for key, value in state.items() if key != "server_time"}
