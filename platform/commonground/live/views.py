"""The moderator's console (/d/<slug>/console) and the live session panel every participant
sees on a deliberation's pages. Every form works without JavaScript (post, redirect back);
static/js/console.js and static/js/session.js make them live over the socket.

Thin: find the resource, call the service, commit, redirect (post/redirect/get). A refusal
comes back as a message on the page the form was on; a refusal of the person (401/403)
goes to the site's error handling.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import fields
from ..config import LANGUAGES
from ..db import iso, utcnow
from ..deliberations.access import (
    can_moderate,
    get_deliberation,
    get_item,
    membership_of,
    participation_error,
    require_moderator,
    require_reader,
)
from ..deliberations.models import AgendaItem, Deliberation, Membership
from ..deliberations.queries import agenda_of, memberships_of
from ..errors import Forbidden, NotFound, ServiceError, Unauthorized
from ..i18n import current_language, plural_forms
from ..pages import form_action, safe_next_url
from ..voting.queries import item_motions
from . import services

bp = Blueprint("live", __name__, template_folder="templates")

#: Extensions a chair grants with one click, in seconds.
EXTEND_CHOICES = (60, 120, 300)


# --- pages -----------------------------------------------------------------------------------


@bp.get("/d/<slug>/console")
def console(slug):
    """The moderator's console: run the live session of a deliberation."""
    deliberation = get_deliberation(slug)
    require_moderator(current_user, deliberation)
    language = current_language()
    state = services.session_state(deliberation)
    current = _current_item(state)
    return render_template(
        "live/console.html",
        deliberation=deliberation,
        state=state,
        current=current,
        current_text=current.text_in(language) if current else None,
        agenda=[(item, item.text_in(language)) for item in agenda_of(deliberation)],
        members=memberships_of(deliberation),
        motions=item_motions(current_user, current) if current else [],
        announcements=services.announcements_of(current_user, deliberation, limit=10),
        item_balance=services.participation(deliberation, current) if current else None,
        overall_balance=services.participation(deliberation),
        groups=_group_names(deliberation, language),
        language=language,
        languages=list(dict.fromkeys([*deliberation.languages, *LANGUAGES])),
        extend_choices=EXTEND_CHOICES,
        client_config=_client_config(deliberation, language, console=True),
    )


@bp.get("/d/<slug>/session/announcement")
def announcement_fragment(slug):
    """The announcement banner's content as the panel shows it (empty when there is none),
    with its time in the reader's locale: the panel fetches it when the banner changes."""
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    state = services.session_state(deliberation)
    return render_template("live/_announcement.html", announcement=state["announcement"])


@bp.get("/d/<slug>/console/participation")
def participation_fragment(slug):
    """The participation section of the console alone (the console refreshes it live)."""
    deliberation = get_deliberation(slug)
    require_moderator(current_user, deliberation)
    language = current_language()
    state = services.session_state(deliberation)
    current = _current_item(state)
    return render_template(
        "live/_participation.html",
        deliberation=deliberation,
        current=current,
        current_text=current.text_in(language) if current else None,
        item_balance=services.participation(deliberation, current) if current else None,
        overall_balance=services.participation(deliberation),
        groups=_group_names(deliberation, language),
    )


# --- the participant's panel -----------------------------------------------------------------


@dataclass
class SessionPanel:
    """What ``live/_session_panel.html`` shows to the current reader."""

    deliberation: Deliberation
    state: dict
    current: AgendaItem | None
    current_title: str | None
    page_item: AgendaItem | None
    membership: Membership | None
    moderator: bool
    may_speak: bool
    #: Whether the reader may speak on an open item at all (a member, not muted …).
    may_take_part: bool
    waiting: bool
    speaking: bool
    groups: dict
    config: dict

    @property
    def round_over(self) -> bool:
        """The running round's time has run out (it stays until a moderator stops it): the
        page served now says so instead of a past "ends at"."""
        running = self.state["round"]
        return bool(running) and running["ends_at"] <= iso(utcnow())

    @property
    def round_shown(self) -> bool:
        """The round is on the panel: running, or finished less than ``ROUND_FINISHED_TTL``
        seconds ago (then it reads "Time is up"; later it leaves the panel, while the
        console keeps it until stopped)."""
        running = self.state["round"]
        if not running:
            return False
        linger = timedelta(seconds=current_app.config["ROUND_FINISHED_TTL"])
        return datetime.fromisoformat(running["ends_at"]) + linger > utcnow()

    @property
    def idle(self) -> bool:
        """Nothing to show yet: no current item, round, speaker or announcement."""
        s = self.state
        return not (s["current_item"] or self.round_shown or s["speaker"] or s["announcement"])


@bp.app_template_global("live_session")
def live_session(deliberation: Deliberation, item: AgendaItem | None = None) -> SessionPanel:
    """The session panel of a deliberation's page (``item``: the item page's item)."""
    require_reader(current_user, deliberation)
    language = current_language()
    state = services.session_state(deliberation)
    current = _current_item(state)
    membership = membership_of(current_user, deliberation)
    member_id = membership.id if membership else None
    may_speak = (
        current is not None
        and participation_error(current_user, "speak", deliberation, current, membership) is None
    )
    return SessionPanel(
        deliberation=deliberation,
        state=state,
        current=current,
        current_title=current.text_in(language).title if current else None,
        page_item=item,
        membership=membership,
        moderator=can_moderate(current_user, deliberation),
        may_speak=may_speak,
        may_take_part=participation_error(current_user, "translate", deliberation, None, membership)
        is None,
        waiting=any(entry["member"] == member_id for entry in state["queue"]),
        speaking=member_id is not None and state["speaker"] == member_id,
        groups=_group_names(deliberation, language),
        config=_client_config(deliberation, language, console=False),
    )


@bp.app_template_global("fraction_value")
def fraction_value(text: str | None) -> float | None:
    """An exact rational of the API (``"2/3"``) as a float, for percentages and charts."""
    return None if text is None else float(Fraction(text))


# --- console forms ---------------------------------------------------------------------------


def _leaves_the_session(error: ServiceError) -> bool:
    """Only sign-in and permission refusals go to the error pages: anything else (an item
    or a member gone meanwhile, a queue that moved on) is a message on the page, which
    carries on."""
    return isinstance(error, Unauthorized | Forbidden)


def _console_action(slug: str, action: Callable[[Deliberation], object], done: str, anchor=""):
    """Run a moderator's form action (``form_action``) and go back to the console."""
    deliberation = get_deliberation(slug)
    require_moderator(current_user, deliberation)
    return form_action(
        lambda: action(deliberation),
        done=done,
        back=url_for(".console", slug=slug) + anchor,
        to_error_pages=_leaves_the_session,
    )


@bp.post("/d/<slug>/console/current")
def set_current(slug):
    item = request.form.get("item") or None
    return _console_action(
        slug,
        lambda d: services.set_current_item(current_user, d, item),
        _("The session moved to this item.") if item else _("The session has no current item."),
        "#now",
    )


@bp.post("/d/<slug>/console/round/start")
def start_round(slug):
    seconds = _seconds_from_form()
    return _console_action(
        slug,
        lambda d: services.start_round(
            current_user, d, title=request.form.get("title", ""), seconds=seconds
        ),
        _("The round has started."),
        "#now",
    )


@bp.post("/d/<slug>/console/round/extend")
def extend_round(slug):
    seconds = _seconds_from_form()
    return _console_action(
        slug,
        lambda d: services.extend_round(current_user, d, seconds=seconds),
        _("The round was extended."),
        "#now",
    )


@bp.post("/d/<slug>/console/round/stop")
def stop_round(slug):
    return _console_action(
        slug, lambda d: services.stop_round(current_user, d), _("The round was stopped."), "#now"
    )


@bp.post("/d/<slug>/console/floor/grant")
def grant_floor(slug):
    member = request.form.get("member")
    return _console_action(
        slug,
        lambda d: services.grant_floor(current_user, d, member),
        _("The floor was given."),
        "#queue",
    )


@bp.post("/d/<slug>/console/floor/skip")
def skip_floor(slug):
    member = request.form.get("member")
    return _console_action(
        slug,
        lambda d: services.skip_floor(current_user, d, member),
        _("The request was passed over."),
        "#queue",
    )


@bp.post("/d/<slug>/console/floor/clear")
def clear_queue(slug):
    return _console_action(
        slug,
        lambda d: services.clear_queue(current_user, d),
        _("The speakers' queue was cleared."),
        "#queue",
    )


@bp.post("/d/<slug>/console/announcements")
def announce(slug):
    return _console_action(
        slug,
        lambda d: services.announce(
            current_user, d, text=request.form.get("text"), language=request.form.get("language")
        ),
        _("The announcement was sent."),
        "#announce",
    )


@bp.post("/d/<slug>/console/announcements/clear")
def clear_announcement(slug):
    return _console_action(
        slug,
        lambda d: services.clear_announcement(current_user, d),
        _("The announcement banner was cleared."),
        "#announce",
    )


# --- participants' forms ---------------------------------------------------------------------


@bp.post("/d/<slug>/floor/request")
def request_floor(slug):
    """A member asks for the floor on the current item (from the session panel)."""
    return _floor_form(slug, services.request_floor, _("You are in the speakers' queue."))


@bp.post("/d/<slug>/floor/withdraw")
def withdraw_floor(slug):
    """A member leaves the speakers' queue (from the session panel)."""
    return _floor_form(slug, services.withdraw_floor, _("You left the speakers' queue."))


def _floor_form(slug: str, action, done: str):
    """Run a member's floor action on the form's item and go back to the page it was on."""
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    if not current_user.is_authenticated:
        raise Unauthorized()

    def on_the_item():
        item = get_item(_form_int("item"))
        if item.deliberation_id != deliberation.id:
            raise NotFound()
        action(current_user, item)

    fallback = url_for("deliberations.show", slug=slug)
    return form_action(
        on_the_item,
        done=done,
        back=safe_next_url(request.form.get("next") or fallback),
        to_error_pages=_leaves_the_session,
    )


# --- helpers ---------------------------------------------------------------------------------


def _current_item(state: dict) -> AgendaItem | None:
    return get_item(state["current_item"]) if state["current_item"] else None


def _group_names(deliberation: Deliberation, language: str) -> dict[str, str]:
    return {group.key: group.name_in(language) for group in deliberation.groups}


def _form_int(name: str) -> int:
    return fields.integer(request.form.get(name), name, minimum=1)


def _seconds_from_form():
    """A round's length from the form: ``minutes`` (what people type) or ``seconds``."""
    minutes = request.form.get("minutes")
    if minutes not in (None, ""):
        try:
            return round(float(minutes) * 60)
        except ValueError:
            return minutes  # the service refuses it with a message naming the field
    return request.form.get("seconds")


def _client_config(deliberation: Deliberation, language: str, *, console: bool) -> dict:
    """What session.js / console.js need: addresses, names and translated strings."""
    item_url = url_for("deliberations.item", slug=deliberation.slug, item_id=0)
    config = {
        "deliberation": deliberation.slug,
        "language": language,
        "round_finished_ttl": current_app.config["ROUND_FINISHED_TTL"],
        "announcement_url": url_for("live.announcement_fragment", slug=deliberation.slug),
        "signed_in": bool(current_user.is_authenticated),
        "item_url": item_url,
        "groups": _group_names(deliberation, language),
        "strings": {
            "live": _("Live"),
            "offline": _("Offline: reconnecting…"),
            "time_up": _("Time is up"),
            # i18n: said by screen readers when a timed round starts, e.g. "… 5:00 left"
            "round_started": _("The round has started: {time} left"),
            # i18n: said by screen readers when a timed round has one minute left
            "one_minute": _("One minute left"),
            "no_round": _("No round is running."),
            # i18n: countdown of a timed round, e.g. "4:59 left"
            "remaining": _("{time} left"),
            "no_item": _("No agenda item is under discussion."),
            # i18n: the agenda item the live session is on, e.g. "Now: Item 3 — Title"
            "now_on": _("Now: Item {numeral} — {title}"),
            "speaking": _("Speaking now: {name}"),
            "nobody_speaking": _("Nobody has the floor."),
            "queue_empty": _("Nobody is waiting to speak."),
            "you_wait": _("You are in the speakers' queue (place {place})."),
            "you_speak": _("You have the floor: your next post is your intervention."),
            "request": _("Request the floor"),
            "withdraw": _("Withdraw my request"),
            "yield": _("Yield the floor"),
            "error": _("This did not work: {message}"),
            "announcement": _("Announcement"),
            "no_group": _("Without a group"),
        },
    }
    config["online_forms"] = plural_forms(
        # i18n: how many people follow the live session, e.g. "3 following the session"
        lambda n: ngettext(
            "%(count)s following the session", "%(count)s following the session", n, count="{count}"
        )
    )
    if console:
        config["participation_url"] = url_for(".participation_fragment", slug=deliberation.slug)
    return config
