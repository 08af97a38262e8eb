"""The words of notifications, for the page and the e-mail digest (translated when used)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import current_language
from .models import KINDS, Notification

#: What each kind is, as the settings form names it.
KIND_LABELS = {
    # i18n: a kind of notification, in the list of those a member may switch off.
    "reply": _l("Replies to my posts"),
    # i18n: a kind of notification: someone wrote @my_handle in a post.
    "mention": _l("Mentions of me"),
    "motion_opened": _l("Motions opened on items I took part in"),
    "motion_closed": _l("Motions closed on items I took part in"),
    "summary_published": _l("Summaries published on items I took part in"),
    "moderation": _l("Moderators' actions on my posts"),
    # i18n: a kind of notification: a moderator gave me the floor in a live session.
    "floor_granted": _l("The floor given to me"),
}
assert set(KIND_LABELS) == set(KINDS)


def describe(notification: Notification) -> str:
    """One sentence saying what happened, in the current language."""
    item = ""
    if notification.item is not None:
        # The item's title in the reader's language when it has been translated.
        item = notification.item.text_in(current_language()).title
    name = notification.actor.name if notification.actor is not None else _("Someone")
    kind = notification.kind
    if kind == "reply":
        return _("%(name)s replied to your post in “%(item)s”.", name=name, item=item)
    if kind == "mention":
        return _("%(name)s mentioned you in “%(item)s”.", name=name, item=item)
    if kind == "motion_opened":
        return _("A motion was opened in “%(item)s”.", item=item)
    if kind == "motion_closed":
        return _("A motion was closed in “%(item)s”.", item=item)
    if kind == "summary_published":
        return _("A summary of “%(item)s” was published.", item=item)
    if kind == "moderation":
        reason = (notification.details or {}).get("reason") or ""
        return _(
            "A moderator hid your post in “%(item)s”. Reason: %(reason)s", item=item, reason=reason
        )
    return _("You have the floor in “%(item)s”.", item=item)
