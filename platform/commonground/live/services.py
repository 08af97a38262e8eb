"""Live session actions: one function per console action, shared by the console's forms,
the REST API and the socket events.

Each action authorises the actor against the database as it is now, validates every input
before changing anything, takes the deliberation's row lock (so the session's writers take
turns, on every server process), makes the change, writes an audit event, queues the new
``session:state`` for the room ``deliberation:<slug>`` and flushes. The caller commits; the
events leave only then (``realtime.emitting``).

Floor requests are per agenda item: a member asks to speak on the current item; when the
chair moves to another item the speaker's turn ends and the other item's queue waits for
its return.
"""

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import events, fields
from ..db import db, iso, utcnow
from ..deliberations.access import (
    get_item,
    membership_of,
    participation_error,
    require_moderator,
    require_participation,
    require_reader,
)
from ..deliberations.models import AgendaItem, Deliberation, Membership
from ..deliberations.queries import get_membership
from ..errors import Conflict, Invalid
from ..i18n import current_language
from ..realtime.emitting import emit_after_commit
from ..realtime.rooms import deliberation_room
from ..records.audit import record_event
from .models import Announcement, FloorRequest, SessionState
from .participation import participation
from .rules import extended_end
from .schemas import ANNOUNCEMENT_MAX, announcement_json
from .state import (
    ANNOUNCE,
    ANNOUNCE_CLEAR,
    ROUND_START,
    announcements_query,
    latest_announcement,
    session_row,
    session_state,
)

logger = logging.getLogger(__name__)

__all__ = [
    "announce",
    "announcements_of",
    "clear_announcement",
    "clear_queue",
    "extend_round",
    "grant_floor",
    "participation",
    "participation_for",
    "read_session",
    "request_floor",
    "set_current_item",
    "skip_floor",
    "start_round",
    "stop_round",
    "withdraw_floor",
]

ROUND_TITLE_MAX = 200
#: The longest round a chair may set or add at once: four hours.
ROUND_MAX_SECONDS = 4 * 3600


# --- reading ---------------------------------------------------------------------------------


def read_session(user, deliberation: Deliberation) -> dict:
    """The live state, for anyone who may read the deliberation."""
    require_reader(user, deliberation)
    return session_state(deliberation)


def announcements_of(user, deliberation: Deliberation, *, limit: int | None = None) -> list:
    """The deliberation's announcements, newest first (they belong to the record)."""
    require_reader(user, deliberation)
    query = announcements_query(deliberation)
    if limit:
        query = query.limit(limit)
    return [announcement_json(a, name) for a, name in db.session.execute(query)]


def participation_for(user, deliberation: Deliberation, item_id=None) -> dict:
    """Participation by group (``participation.participation``) for a reader; ``item_id``
    narrows it to one agenda item of the deliberation."""
    require_reader(user, deliberation)
    item = None
    if item_id not in (None, ""):
        item = item_of(deliberation, item_id)
    return participation(deliberation, item)


# --- the current item ------------------------------------------------------------------------


def set_current_item(actor, deliberation: Deliberation, item_id) -> SessionState:
    """Make an agenda item the one the session is on (None: no item).

    The speaker's turn ends with the item; waiting requests stay with their item.
    """
    require_moderator(actor, deliberation)
    item = None
    if item_id not in (None, ""):
        item = item_of(deliberation, item_id)
    row = _session_for_change(deliberation)
    new_id = item.id if item is not None else None
    if row.current_item_id == new_id:
        return row
    previous = row.current_item_id
    _end_turn(row)
    row.current_item_id = new_id
    _touch(row)
    record_event(
        deliberation,
        actor,
        "session.current",
        f"item:{new_id}" if new_id else "",
        {"from": previous, "to": new_id},
    )
    publish_state(deliberation)
    return row


# --- timed rounds ----------------------------------------------------------------------------


def start_round(actor, deliberation: Deliberation, *, title="", seconds=None) -> SessionState:
    """Start a timed round of ``seconds`` from now (replacing any running round)."""
    require_moderator(actor, deliberation)
    title = fields.text(title, "title", max_length=ROUND_TITLE_MAX, required=False)
    seconds = _seconds(seconds)
    row = _session_for_change(deliberation)
    now = utcnow()
    row.round_title = title
    row.round_ends_at = extended_end(now, now, seconds)
    _touch(row, now)
    record_event(
        deliberation,
        actor,
        ROUND_START,
        "",
        {"title": title, "seconds": seconds, "ends_at": iso(row.round_ends_at)},
    )
    publish_state(deliberation)
    return row


def extend_round(actor, deliberation: Deliberation, *, seconds=None) -> SessionState:
    """Give the running round ``seconds`` more (from now, if its time had run out)."""
    require_moderator(actor, deliberation)
    seconds = _seconds(seconds)
    row = _session_for_change(deliberation)
    if row.round_ends_at is None:
        raise Conflict(_l("No round is running."), code="no_round")
    now = utcnow()
    previous = row.round_ends_at
    row.round_ends_at = extended_end(previous, now, seconds)
    _touch(row, now)
    record_event(
        deliberation,
        actor,
        "session.round.extend",
        "",
        {"seconds": seconds, "from": iso(previous), "ends_at": iso(row.round_ends_at)},
    )
    publish_state(deliberation)
    return row


def stop_round(actor, deliberation: Deliberation) -> SessionState:
    """End the running round now."""
    require_moderator(actor, deliberation)
    row = _session_for_change(deliberation)
    if row.round_ends_at is None:
        raise Conflict(_l("No round is running."), code="no_round")
    title, ends_at = row.round_title, row.round_ends_at
    row.round_title = None
    row.round_ends_at = None
    _touch(row)
    record_event(
        deliberation,
        actor,
        "session.round.stop",
        "",
        {"title": title or "", "ends_at": iso(ends_at)},
    )
    publish_state(deliberation)
    return row


# --- the speakers' queue ---------------------------------------------------------------------


def request_floor(user, item: AgendaItem) -> FloorRequest:
    """A member asks to speak on the session's current item.

    Asking again while waiting changes nothing (a retried request is harmless). Only
    members who may post in the item may ask: the floor is spoken through a post.
    """
    deliberation = item.deliberation
    require_reader(user, deliberation)
    membership = require_participation(user, "speak", item)
    row = _session_for_change(deliberation)
    _require_current(row, item)
    existing = _open_request(item.id, membership.id)
    if existing is not None:
        if existing.is_speaking:
            raise Conflict(_l("You have the floor already."), code="already_speaking")
        return existing
    request = FloorRequest(
        item_id=item.id, membership_id=membership.id, status="waiting", requested_at=utcnow()
    )
    db.session.add(request)
    _touch(row)
    db.session.flush()
    record_event(
        deliberation,
        user,
        "session.floor.request",
        f"member:{membership.id}",
        {"item": item.id, "request": request.id},
    )
    publish_state(deliberation)
    return request


def withdraw_floor(user, item: AgendaItem) -> FloorRequest:
    """A member withdraws their waiting request (or yields the floor they hold)."""
    deliberation = item.deliberation
    require_reader(user, deliberation)
    membership = membership_of(user, deliberation)
    row = _session_for_change(deliberation)
    request = _open_request(item.id, membership.id) if membership else None
    if request is None:
        raise Conflict(_l("You are not in the speakers' queue."), code="not_in_queue")
    was_speaking = request.is_speaking
    _resolve(request, "done" if was_speaking else "withdrawn")
    if was_speaking and row.speaker_id == membership.id:
        row.speaker_id = None
    _touch(row)
    record_event(
        deliberation,
        user,
        "session.floor.withdraw",
        f"member:{membership.id}",
        {"item": item.id, "request": request.id, "was_speaking": was_speaking},
    )
    publish_state(deliberation)
    return request


def grant_floor(actor, deliberation: Deliberation, member) -> FloorRequest:
    """Give the floor to a member waiting in the current item's queue.

    The previous speaker's turn ends. Everyone in the room is told (``floor:granted``),
    and the speaker's next post in the item is marked as a floor intervention.
    """
    require_moderator(actor, deliberation)
    membership = _member(deliberation, member)
    row = _session_for_change(deliberation)
    item = _current_item(row)
    request = _open_request(item.id, membership.id)
    if request is None or not request.is_waiting:
        raise Conflict(
            _l("This member is not waiting in the speakers' queue."), code="not_in_queue"
        )
    if (refusal := _speaking_refusal(membership, item)) is not None:
        raise refusal
    _end_turn(row)
    _resolve(request, "speaking")
    row.speaker_id = membership.id
    _touch(row)
    record_event(
        deliberation,
        actor,
        "session.floor.grant",
        f"member:{membership.id}",
        {"item": item.id, "request": request.id},
    )
    db.session.flush()
    events.floor_granted.send(membership, item=item, actor=actor)
    emit_after_commit(
        "floor:granted",
        {
            "deliberation": deliberation.slug,
            "item": item.id,
            "member": membership.id,
            "name": membership.user.name,
            "group": membership.group.key if membership.group else None,
        },
        to=deliberation_room(deliberation.slug),
    )
    publish_state(deliberation)
    return request


def skip_floor(actor, deliberation: Deliberation, member) -> FloorRequest:
    """Pass over a member waiting in the current item's queue; for the speaker, end their
    turn."""
    require_moderator(actor, deliberation)
    membership = _member(deliberation, member)
    row = _session_for_change(deliberation)
    item = _current_item(row)
    request = _open_request(item.id, membership.id)
    if request is None:
        raise Conflict(
            _l("This member is not waiting in the speakers' queue."), code="not_in_queue"
        )
    was_speaking = request.is_speaking
    _resolve(request, "done" if was_speaking else "skipped")
    if was_speaking:
        row.speaker_id = None
    _touch(row)
    record_event(
        deliberation,
        actor,
        "session.floor.skip",
        f"member:{membership.id}",
        {"item": item.id, "request": request.id, "was_speaking": was_speaking},
    )
    publish_state(deliberation)
    return request


def clear_queue(actor, deliberation: Deliberation) -> int:
    """Pass over everyone waiting in the current item's queue; the speaker keeps the floor.

    Returns how many requests were cleared.
    """
    require_moderator(actor, deliberation)
    row = _session_for_change(deliberation)
    item = _current_item(row)
    waiting = list(
        db.session.scalars(
            sa.select(FloorRequest).where(
                FloorRequest.item_id == item.id, FloorRequest.status == "waiting"
            )
        )
    )
    for request in waiting:
        _resolve(request, "skipped")
    _touch(row)
    record_event(
        deliberation,
        actor,
        "session.floor.clear",
        f"item:{item.id}",
        {"item": item.id, "cleared": [r.membership_id for r in waiting]},
    )
    publish_state(deliberation)
    return len(waiting)


def mark_floor_interventions(item: AgendaItem, *, posts: list, **kwargs) -> None:
    """Receiver of ``events.posts_created``: a post by the member holding the floor on the
    current item is their floor intervention (marked so), and their turn ends.

    A post in the current item also changes the balanced order of its queue, so the room
    gets the new state when someone is waiting (once for the posts that came together).
    """
    row = session_row(item.deliberation)
    if row is None or row.current_item_id != item.id:
        return
    others = False
    for post in posts:
        if row.speaker_id == post.author_id:
            post.floor_intervention = _intervention_ends_turn(post, item)
        else:
            others = True
    if others and _has_waiting(item.id):
        publish_state(item.deliberation)


def _intervention_ends_turn(post, item: AgendaItem) -> bool:
    """End the turn of ``post``'s author, who holds the floor on ``item``: whether it was
    theirs still, under the session's lock."""
    deliberation = item.deliberation
    membership = post.author
    row = _session_for_change(deliberation)
    request = _open_request(item.id, membership.id)
    if row.speaker_id != membership.id or request is None or not request.is_speaking:
        return False
    _resolve(request, "done")
    row.speaker_id = None
    _touch(row)
    record_event(
        deliberation,
        membership.user,
        "session.floor.intervention",
        f"post:{post.id}",
        {"item": item.id, "member": membership.id, "request": request.id},
    )
    publish_state(deliberation)
    logger.info("post %s is member %s's floor intervention", post.id, membership.id)
    return True


# --- announcements and members ---------------------------------------------------------------


def announce(actor, deliberation: Deliberation, *, text=None, language=None) -> Announcement:
    """Post an announcement: a banner for everyone in the deliberation, kept in the record."""
    require_moderator(actor, deliberation)
    text = fields.text(text, "text", max_length=ANNOUNCEMENT_MAX)
    if language in (None, ""):
        language = getattr(actor, "locale", None) or current_language()
    language = fields.language(language, "language")
    row = _session_for_change(deliberation)
    author = membership_of(actor, deliberation)
    announcement = Announcement(
        deliberation_id=deliberation.id,
        author_id=author.id if author else None,
        text=text,
        language=language,
        created_at=utcnow(),
    )
    db.session.add(announcement)
    _touch(row)
    db.session.flush()
    record_event(
        deliberation,
        actor,
        ANNOUNCE,
        f"announcement:{announcement.id}",
        {"text": text, "language": language},
    )
    emit_after_commit(
        "announcement",
        {"deliberation": deliberation.slug, **announcement_json(announcement, actor.name)},
        to=deliberation_room(deliberation.slug),
    )
    publish_state(deliberation)
    return announcement


def clear_announcement(actor, deliberation: Deliberation) -> dict | None:
    """Take the announcement banner down for everyone (the announcement stays in the record).

    Returns the announcement that was shown, or None when the banner was already empty
    (clearing again changes nothing)."""
    require_moderator(actor, deliberation)
    row = _session_for_change(deliberation)
    shown = latest_announcement(deliberation)
    if shown is None:
        return None
    _touch(row)
    record_event(
        deliberation, actor, ANNOUNCE_CLEAR, f"announcement:{shown['id']}", {"id": shown["id"]}
    )
    publish_state(deliberation)
    return shown


def release_muted_member(membership: Membership, *, changes: dict, actor, **kwargs) -> None:
    """Receiver of ``events.member_updated``: a muted member leaves the speakers' queues and
    loses the floor; the room hears of any change of muting."""
    if "muted" not in changes:
        return
    _release(membership, actor, "muted" if membership.muted else None)


def release_erased_member(user, *, memberships, **kwargs) -> None:
    """Receiver of ``events.user_erased``: a former member leaves every speakers' queue and
    loses the floor."""
    for membership in memberships:
        _release(membership, user, "erased")


def _release(membership: Membership, actor, reason: str | None) -> None:
    """With a ``reason``, the member's open floor requests end (and their turn); the room
    hears of it either way."""
    deliberation = membership.deliberation
    if deliberation.is_closed or session_row(deliberation) is None:
        return  # no live session, so no queue to leave
    row = _session_for_change(deliberation)
    if reason is not None:
        open_requests = list(
            db.session.scalars(
                sa.select(FloorRequest).where(
                    FloorRequest.membership_id == membership.id,
                    FloorRequest.status.in_(("waiting", "speaking")),
                )
            )
        )
        for request in open_requests:
            _resolve(request, "done" if request.is_speaking else "skipped")
        if row.speaker_id == membership.id:
            row.speaker_id = None
        if open_requests:
            _touch(row)
            record_event(
                deliberation,
                actor,
                "session.floor.skip",
                f"member:{membership.id}",
                {"reason": reason, "requests": [r.id for r in open_requests]},
            )
    publish_state(deliberation)


def publish_if_current(item: AgendaItem, **kwargs) -> None:
    """Receiver of ``events.item_state_changed``: the session panel follows the status and
    lock of the session's current item."""
    row = session_row(item.deliberation)
    if row is not None and row.current_item_id == item.id:
        publish_state(item.deliberation)


# --- the room --------------------------------------------------------------------------------


def publish_state(deliberation: Deliberation) -> None:
    """Queue the whole state for the deliberation's room; it leaves at commit.

    Read now, under the deliberation's row lock that every session writer takes, so it is
    exactly the state this transaction commits.
    """
    db.session.flush()
    emit_after_commit(
        "session:state", session_state(deliberation), to=deliberation_room(deliberation.slug)
    )


# --- helpers ---------------------------------------------------------------------------------


def _session_for_change(deliberation: Deliberation) -> SessionState:
    """Lock the deliberation (the session's writers take turns until commit), refuse an
    archived one, and return its session row, created on first use."""
    db.session.execute(
        sa.select(Deliberation.id)
        .where(Deliberation.id == deliberation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    db.session.refresh(deliberation, attribute_names=["status"])
    if deliberation.is_closed:
        raise Conflict(
            _l("This deliberation is closed: its record can be read but not added to."),
            code="deliberation_closed",
        )
    row = session_row(deliberation)
    if row is None:
        row = SessionState(deliberation_id=deliberation.id, updated_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return row


def _touch(row: SessionState, now=None) -> None:
    row.updated_at = now or utcnow()


def _seconds(value) -> int:
    return fields.integer(value, "seconds", minimum=1, maximum=ROUND_MAX_SECONDS)


def item_of(deliberation: Deliberation, item) -> AgendaItem:
    """The deliberation's agenda item named by ``item`` (an id from a form, JSON or event);
    another deliberation's item is refused as input (422 on ``item``)."""
    item = get_item(fields.integer(item, "item", minimum=1))
    if item.deliberation_id != deliberation.id:
        raise Invalid(_l("This agenda item belongs to another deliberation."), field="item")
    return item


def _member(deliberation: Deliberation, member) -> Membership:
    return get_membership(deliberation, fields.integer(member, "member", minimum=1))


def _current_item(row: SessionState) -> AgendaItem:
    if row.current_item_id is None:
        raise Conflict(_l("The session has no current agenda item."), code="no_current_item")
    return db.session.get(AgendaItem, row.current_item_id)


def _require_current(row: SessionState, item: AgendaItem) -> None:
    if row.current_item_id != item.id:
        raise Conflict(
            _l("The floor can only be requested on the item the session is on now."),
            code="not_current",
            field="item",
        )


def _open_request(item_id: int, membership_id: int) -> FloorRequest | None:
    """The member's waiting or speaking request on the item, if any."""
    return db.session.scalar(
        sa.select(FloorRequest)
        .where(
            FloorRequest.item_id == item_id,
            FloorRequest.membership_id == membership_id,
            FloorRequest.status.in_(("waiting", "speaking")),
        )
        .order_by(FloorRequest.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _has_waiting(item_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(FloorRequest.id)
            .where(FloorRequest.item_id == item_id, FloorRequest.status == "waiting")
            .limit(1)
        )
        is not None
    )


def _resolve(request: FloorRequest, status: str) -> None:
    if request.is_waiting:
        request.resolved_at = utcnow()
    request.status = status


def _end_turn(row: SessionState) -> None:
    """The speaker's turn ends (their request is done)."""
    speaking = db.session.scalars(
        sa.select(FloorRequest).where(
            FloorRequest.item_id == row.current_item_id, FloorRequest.status == "speaking"
        )
    )
    for request in speaking:
        _resolve(request, "done")
    row.speaker_id = None


def _speaking_refusal(membership: Membership, item: AgendaItem):
    return participation_error(membership.user, "speak", item.deliberation, item, membership)
