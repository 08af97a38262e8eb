"""The notifications page: the list (marked read one by one or all at once) and the
member's settings."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..deliberations.access import require_signed_in
from ..mail import mail_configured
from ..transactions import in_transaction
from . import services
from .models import KINDS
from .schemas import notification_link
from .texts import KIND_LABELS, describe

bp = Blueprint("notifications", __name__, template_folder="templates")


def _user():
    require_signed_in(current_user)
    return current_user._get_current_object()


@bp.get("/notifications")
def page():
    """The signed-in user's notifications, newest first, and their settings."""
    user = _user()
    notifications, following = services.list_notifications(
        user, before=request.args.get("before"), limit=request.args.get("limit")
    )
    settings = services.settings_of(user)
    return render_template(
        "notifications/page.html",
        notifications=[(n, describe(n), notification_link(n)) for n in notifications],
        following=following,
        unread=services.unread_count(user),
        kinds=[(kind, KIND_LABELS[kind]) for kind in KINDS],
        muted=set(settings.muted_kinds or ()),
        email_digest=settings.email_digest,
        mail_configured=mail_configured(),
    )


@bp.post("/notifications/read")
def mark_read():
    """Mark one notification (``ids``) or all of them read, then go back."""
    user = _user()
    if request.form.get("all"):
        in_transaction(lambda: services.mark_read(user, all=True))
    else:
        in_transaction(lambda: services.mark_read(user, ids=request.form.get("ids")))
    return redirect(url_for("notifications.page"))


@bp.post("/notifications/settings")
def settings():
    """Save which kinds the member receives, and the e-mail digest."""
    user = _user()
    chosen = set(request.form.getlist("kinds"))
    in_transaction(
        lambda: services.update_settings(
            user,
            kinds={kind: kind in chosen for kind in KINDS},
            email_digest=bool(request.form.get("email_digest")),
        )
    )
    flash(_("Your notification settings have been saved."), "success")
    return redirect(url_for("notifications.page"))
