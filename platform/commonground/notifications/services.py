"""Notification actions: the receivers that create them from the capabilities' signals, and
one function per thing a member does with theirs (list, mark read, choose, get digests).

The receivers run inside the transaction of the change that caused them (``events``): a
notification commits or rolls back with it, and its live event leaves only after the
commit, to the recipient's own room (``user:<id>``), so nobody else ever receives it.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from .. import fields
from ..accounts.models import User
from ..db import db, utcnow
from ..deliberations.access import require_reader
from ..deliberations.models import AgendaItem, Membership
from ..discussion.models import Post, Reaction
from ..errors import Invalid
from ..mail import mail_configured, send_mail
from ..realtime.emitting import emit_after_commit
from ..realtime.rooms import user_room
from ..voting.models import Ballot, Motion
from .models import KINDS, Notification, NotificationSettings
from .rules import handle_key, handle_of, mentioned_handles, wanted
from .schemas import notification_json, notification_link, settings_json
from .texts import describe

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


# --- creating notifications (signal receivers) ------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One thing to tell ``user_ids``: a notification of ``kind`` each (see :func:`notify`)."""

    user_ids: Iterable[int]
    kind: str
    item: AgendaItem
    actor_id: int | None = None
    post_id: int | None = None
    motion_id: int | None = None
    summary_id: int | None = None
    details: dict | None = None


def notify(user_ids: Iterable[int], kind: str, **notice) -> list[Notification]:
    """Create one notification of ``kind`` per user who wants it (never for the actor) and
    queue its live event for that user's sockets; ``notice``: the rest of a :class:`Notice`."""
    return notify_all([Notice(user_ids, kind, **notice)])


def notify_all(notices: list[Notice]) -> list[Notification]:
    """:func:`notify` for each of ``notices``, with one read of the recipients' choices and
    one flush for them all."""
    recipients = [sorted(set(notice.user_ids) - {notice.actor_id}) for notice in notices]
    everyone = {user_id for user_ids in recipients for user_id in user_ids}
    if not everyone:
        return []
    muted = dict(
        db.session.execute(
            sa.select(NotificationSettings.user_id, NotificationSettings.muted_kinds).where(
                NotificationSettings.user_id.in_(everyone)
            )
        ).all()
    )
    created = []
    now = utcnow()
    for notice, user_ids in zip(notices, recipients, strict=True):
        if not user_ids:
            continue
        before = len(created)
        for user_id in user_ids:
            if not wanted(notice.kind, muted.get(user_id)):
                continue
            notification = Notification(
                user_id=user_id,
                kind=notice.kind,
                deliberation_id=notice.item.deliberation_id,
                item_id=notice.item.id,
                post_id=notice.post_id,
                motion_id=notice.motion_id,
                summary_id=notice.summary_id,
                actor_id=notice.actor_id,
                details=notice.details or {},
                created_at=now,
            )
            db.session.add(notification)
            created.append(notification)
        logger.info(
            "%s notification(s) of kind %s in item %s",
            len(created) - before,
            notice.kind,
            notice.item.id,
        )
    db.session.flush()
    for notification in created:
        emit_after_commit(
            "notification:new",
            notification_json(notification),
            to=user_room(notification.user_id),
        )
    return created


def notify_posts_created(item: AgendaItem, *, posts: list[Post], **kwargs):
    """A reply tells the parent's author; an ``@handle`` tells the members it names. The
    parents' authors are read in one query, the deliberation's members once, and the
    notifications of all the posts made together."""
    parent_ids = {post.parent_id for post in posts if post.parent_id is not None}
    parent_authors = (
        dict(
            db.session.execute(
                sa.select(Post.id, Membership.user_id)
                .join(Membership, Post.author_id == Membership.id)
                .where(Post.id.in_(parent_ids))
            ).all()
        )
        if parent_ids
        else {}
    )
    members = None
    notices = []
    for post in posts:
        actor_id = post.author.user_id
        replied_to = set()
        if (parent_author := parent_authors.get(post.parent_id)) is not None:
            replied_to.add(parent_author)
            notices.append(Notice(replied_to, "reply", item, actor_id, post_id=post.id))
        handles = mentioned_handles(post.body)
        if not handles:
            continue
        if members is None:
            members = members_of(item.deliberation_id)
        mentioned = {
            user_id
            for user_id, name in members
            if (handle := handle_of(name)) is not None and handle_key(handle) in handles
        }
        notices.append(Notice(mentioned - replied_to, "mention", item, actor_id, post_id=post.id))
    notify_all(notices)


def notify_post_moderated(post: Post, *, action: str, actor, reason: str | None, **kwargs):
    """The author of a post a moderator acted on learns what was done, and why."""
    author = db.session.get(Membership, post.author_id)
    item = db.session.get(AgendaItem, post.item_id)
    notify(
        [author.user_id],
        "moderation",
        item=item,
        actor_id=getattr(actor, "id", None),
        post_id=post.id,
        details={"action": action, "reason": reason},
    )


def notify_motion_status(motion: Motion, *, status: str, **kwargs):
    """Everyone who took part in the motion's item learns it opened (or closed, and how)."""
    item = db.session.get(AgendaItem, motion.item_id)
    details = {"text": motion.text[:200]}
    if status == "closed" and motion.result:
        details["outcome"] = motion.result.get("outcome")
    notify(
        participants_of(item),
        "motion_opened" if status == "open" else "motion_closed",
        item=item,
        motion_id=motion.id,
        details=details,
    )


def notify_summary_published(summary, **kwargs):
    """Everyone who took part in the item learns its summary was published."""
    item = db.session.get(AgendaItem, summary.item_id)
    notify(
        participants_of(item),
        "summary_published",
        item=item,
        summary_id=summary.id,
        actor_id=None,
        details={"version": summary.version, "language": summary.language},
    )


def notify_floor_granted(membership: Membership, *, item: AgendaItem, actor, **kwargs):
    """The member given the floor is told, wherever they have the site open."""
    notify([membership.user_id], "floor_granted", item=item, actor_id=getattr(actor, "id", None))


def participants_of(item: AgendaItem) -> set[int]:
    """The users who took part in an item: posted, reacted or cast a ballot in it."""
    posted = sa.select(Post.author_id).where(Post.item_id == item.id)
    reacted = (
        sa.select(Reaction.membership_id)
        .join(Post, Post.id == Reaction.post_id)
        .where(Post.item_id == item.id)
    )
    voted = (
        sa.select(Ballot.membership_id)
        .join(Motion, Motion.id == Ballot.motion_id)
        .where(Motion.item_id == item.id)
    )
    members = sa.union(posted, reacted, voted).subquery()
    return set(
        db.session.scalars(
            sa.select(Membership.user_id).where(Membership.id.in_(sa.select(members.c[0])))
        )
    )


def members_of(deliberation_id: int) -> list[tuple[int, str]]:
    """``(user id, display name)`` of every member of a deliberation."""
    return list(
        db.session.execute(
            sa.select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.deliberation_id == deliberation_id)
            .order_by(User.name, User.id)
        ).all()
    )


# --- what a member does with their notifications -----------------------------------------------


def list_notifications(
    user, *, before=None, limit=None, unread=None
) -> tuple[list[Notification], int | None]:
    """The user's notifications, newest first: at most ``limit``, with ids below ``before``,
    only unread ones when ``unread``. Returns them and the cursor of the next page."""
    limit = (
        PAGE_SIZE
        if limit in (None, "")
        else fields.integer(limit, "limit", minimum=1, maximum=MAX_PAGE_SIZE)
    )
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if before not in (None, ""):
        query = query.where(Notification.id < fields.integer(before, "before", minimum=1))
    if unread not in (None, "") and fields.boolean(unread, "unread"):
        query = query.where(Notification.read_at.is_(None))
    rows = list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
    following = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], following


def unread_count(user) -> int:
    """How many of the user's notifications are unread."""
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def unread_by_item(user, deliberation_id: int) -> dict[int, int]:
    """Unread notifications of the user per agenda item of one deliberation."""
    return dict(
        db.session.execute(
            sa.select(Notification.item_id, sa.func.count(Notification.id))
            .where(
                Notification.user_id == user.id,
                Notification.deliberation_id == deliberation_id,
                Notification.read_at.is_(None),
                Notification.item_id.is_not(None),
            )
            .group_by(Notification.item_id)
        ).all()
    )


def mark_read(user, *, ids=None, all=False, item=None) -> int:
    """Mark the user's notifications read: those of ``ids``, those about agenda item
    ``item``, or ``all``. Ids that are not the user's are passed over (never touched).
    Returns how many changed; the user's other sockets hear of it when any did."""
    everything = fields.boolean(all, "all") if all not in (None, "") else False
    query = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if not everything:
        if item not in (None, ""):
            item_id = fields.integer(item, "item", minimum=1, maximum=fields.MAX_ID)
            query = query.where(Notification.item_id == item_id)
        elif ids is not None:
            query = query.where(Notification.id.in_(_id_list(ids)))
        else:
            raise Invalid(_l("Name the notifications to mark, or all of them."), field="ids")
    changed = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.flush()
    if changed:
        emit_after_commit(
            "notification:read", {"unread": unread_count(user)}, to=user_room(user.id)
        )
    return changed


def mark_item_read(item, *, user, **kwargs) -> None:
    """Receiver of ``item_opened``: what concerned the member on an agenda item is read
    once they open its page."""
    if getattr(user, "is_authenticated", False):
        mark_read(user, item=item.id)


def _id_list(value) -> list[int]:
    """A JSON list of notification ids, or the comma-separated ids of a form."""
    if isinstance(value, list):
        if not value or len(value) > fields.MAX_IDS:
            raise Invalid(_l("Give between 1 and %(max)s ids.", max=fields.MAX_IDS), field="ids")
        return [fields.integer(i, "ids", minimum=1, maximum=fields.MAX_ID) for i in value]
    return fields.ids(value, "ids")


def settings_of(user) -> NotificationSettings:
    """The user's choices (the defaults when they never chose)."""
    row = db.session.get(NotificationSettings, user.id)
    return row or NotificationSettings(user_id=user.id, muted_kinds=[], email_digest=False)


def update_settings(user, *, kinds=None, email_digest=None) -> NotificationSettings:
    """Choose the kinds to receive (``{kind: bool}``, kinds not named stay as they are) and
    whether to get e-mail digests."""
    row = db.session.get(NotificationSettings, user.id)
    if row is None:
        row = NotificationSettings(user_id=user.id, muted_kinds=[], email_digest=False)
        db.session.add(row)
    muted = set(row.muted_kinds or ())
    if kinds is not None:
        if not isinstance(kinds, dict):
            raise Invalid(_l("This must be an object of kinds and true or false."), field="kinds")
        for kind, on in kinds.items():
            fields.choice(kind, "kinds", KINDS)
            if fields.boolean(on, "kinds"):
                muted.discard(kind)
            else:
                muted.add(kind)
    if email_digest is not None:
        row.email_digest = fields.boolean(email_digest, "email_digest")
    row.muted_kinds = sorted(muted)
    db.session.flush()
    return row


# --- the mention picker -----------------------------------------------------------------------

MAX_HANDLES = 20


def member_handles(user, deliberation, query=None) -> list[dict]:
    """Handles of the deliberation's members whose handle or name starts with ``query``
    (any case), for the mention picker; only for those who may read the deliberation."""
    require_reader(user, deliberation)
    prefix = "" if query in (None, "") else fields.text(query, "q", max_length=120)
    prefix = handle_key(prefix.lstrip("@"))
    found = []
    for _user_id, name in members_of(deliberation.id):
        handle = handle_of(name)
        if handle is None:
            continue
        if prefix and not (
            handle_key(handle).startswith(prefix) or handle_key(name).startswith(prefix)
        ):
            continue
        found.append({"handle": handle, "name": name})
        if len(found) >= MAX_HANDLES:
            break
    return found


# --- e-mail digests ---------------------------------------------------------------------------


def send_digests() -> tuple[int, int]:
    """Mail every user who chose digests their unread notifications not mailed before, one
    message each, in their language; mark those notifications mailed. Returns the number of
    messages and of notifications. Nothing happens unless SMTP is configured."""
    if not mail_configured():
        return 0, 0
    pending = list(
        db.session.scalars(
            sa.select(Notification)
            .join(NotificationSettings, NotificationSettings.user_id == Notification.user_id)
            .where(
                NotificationSettings.email_digest.is_(True),
                Notification.read_at.is_(None),
                Notification.emailed_at.is_(None),
            )
            .order_by(Notification.user_id, Notification.id)
        )
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in pending:
        by_user.setdefault(notification.user_id, []).append(notification)
    messages = []
    for user_id, notifications in by_user.items():
        user = db.session.get(User, user_id)
        with force_locale(user.locale or "en"):
            messages.append((user.email, *digest_message(notifications)))
    sent = send_mail(messages)
    now = utcnow()
    for notification in pending:
        notification.emailed_at = now
    db.session.flush()
    logger.info("digests mailed", extra={"messages": sent, "notifications": len(pending)})
    return sent, len(pending)


def digest_message(notifications: list[Notification]) -> tuple[str, str]:
    """The subject and plain-text body of one digest, in the current language."""
    count = len(notifications)
    subject = ngettext(
        "Common Ground: %(num)s unread notification",
        "Common Ground: %(num)s unread notifications",
        count,
    )
    lines = [gettext("Unread notifications on Common Ground:"), ""]
    for notification in notifications:
        lines.append(f"- {describe(notification)}")
        if link := notification_link(notification, external=True):
            lines.append(f"  {link}")
    lines += [
        "",
        gettext(
            "You receive this digest because you asked for it. Change this at %(url)s",
            url=url_for("notifications.page", _external=True),
        ),
    ]
    return subject, "\n".join(lines)


# --- privacy: what is kept about a person, and their erasure ---------------------------------


def personal_data(user, **kwargs) -> dict:
    """Receiver of ``events.personal_data_requested``: the person's notifications and their
    choices."""
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return {
        "notifications": [notification_json(notification) for notification in rows],
        "notification_settings": settings_json(settings_of(user)),
    }


def forget_erased_user(user, **kwargs) -> None:
    """Receiver of ``events.user_erased``: the notifications kept for them and their choices
    are deleted; notifications of others no longer name them as who acted."""
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(
        sa.delete(NotificationSettings).where(NotificationSettings.user_id == user.id)
    )
    db.session.execute(
        sa.update(Notification).where(Notification.actor_id == user.id).values(actor_id=None)
    )
