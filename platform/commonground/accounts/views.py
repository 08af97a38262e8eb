"""Account pages: sign in and out, the profile, password reset, invitations, API tokens,
your data (export, erasure).

Every form posts the CSRF token (CSRFProtect guards every POST). Refusals a visitor can fix
re-render the form with the message beside its field; the others reach the app's error pages.
"""

import logging
import smtplib

from flask import (
    Blueprint,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..config import LANGUAGES
from ..deliberations.access import get_deliberation, require_moderator, require_signed_in
from ..deliberations.models import ROLES
from ..errors import Invalid, ServiceError
from ..i18n import language_name
from ..mail import mail_configured, send_mail
from ..pages import safe_next_url
from ..transactions import in_transaction
from . import services
from .models import TOKEN_SCOPES, User

logger = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__, template_folder="templates")

#: Statuses of refusals shown inside the form rather than on an error page.
FORM_ERRORS = (401, 403, 409, 422)


def start_session(user: User) -> None:
    """Sign ``user`` in on a brand-new session (no fixation): only the chosen interface
    language survives from before."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)


def _signed_in_user() -> User:
    """The signed-in user (a real model, not the proxy); 401 otherwise."""
    require_signed_in(current_user)
    return current_user._get_current_object()


def _no_store(response):
    """Pages showing a secret once must not stay in any cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; on success a renewed session and the (same-site) ``next`` page."""
    next_url = request.values.get("next", "")
    email = ""
    error = None
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            # A transaction: verify_password may upgrade the stored hash.
            user = in_transaction(
                lambda: services.authenticate(
                    email, request.form.get("password", ""), request.remote_addr
                )
            )
        except ServiceError as refusal:
            error, status = refusal, refusal.status
        else:
            start_session(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next_url(next_url))
    page = render_template("accounts/login.html", email=email, next_url=next_url, error=error)
    return page, status


@bp.post("/logout")
def logout():
    """Sign out and kill every session cookie of the account, copied ones included."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        in_transaction(lambda: services.log_out(user))
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("web.home"))


@bp.route("/account/tokens", methods=["GET", "POST"])
def tokens():
    """The user's API tokens; a new token is shown on this response only."""
    user = _signed_in_user()
    created = None
    error = None
    status = 200
    if request.method == "POST":
        try:
            api_token, plaintext = in_transaction(
                lambda: services.create_api_token(
                    user, request.form.get("name"), request.form.get("scope", "read")
                )
            )
        except ServiceError as refusal:
            if refusal.status not in FORM_ERRORS:
                raise
            error, status = refusal, refusal.status
        else:
            created = {"token": api_token, "plaintext": plaintext}
            status = 201
    page = render_template(
        "accounts/tokens.html",
        tokens=services.user_api_tokens(user),
        scopes=TOKEN_SCOPES,
        created=created,
        error=error,
        form=request.form if error else {},
    )
    return _no_store((page, status))


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of the user's tokens; scripts using it are refused from now on."""
    user = _signed_in_user()
    api_token = in_transaction(lambda: services.revoke_api_token(user, token_id))
    flash(_("The token “%(name)s” has been revoked.", name=api_token.name), "success")
    return redirect(url_for("accounts.tokens"))


@bp.get("/account/privacy")
def privacy():
    """Your data: download everything stored about you, or erase your account."""
    _signed_in_user()
    return _no_store(render_template("accounts/privacy.html", error=None, form={}))


@bp.get("/account/export")
def export():
    """Everything stored about you, as a JSON file to keep."""
    user = _signed_in_user()
    response = jsonify(services.personal_data(user))
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return _no_store(response)


@bp.post("/account/erase")
def erase():
    """Erase your account, after your password and an explicit confirmation."""
    user = _signed_in_user()
    try:
        in_transaction(
            lambda: services.erase_account(
                user,
                confirm=request.form.get("confirm") == "yes",
                password=request.form.get("password", ""),
                redact=request.form.get("redact_posts") == "yes",
            )
        )
    except ServiceError as refusal:
        if refusal.status not in FORM_ERRORS:
            raise
        page = render_template("accounts/privacy.html", error=refusal, form=request.form)
        return _no_store((page, refusal.status))
    logout_user()
    session.clear()
    flash(_("Your account has been erased."), "success")
    return redirect(url_for("web.home"))


@bp.route("/d/<slug>/invitations", methods=["GET", "POST"])
def invitations(slug: str):
    """Moderators invite people by link and see the invitations still pending."""
    deliberation = get_deliberation(slug)
    user = _signed_in_user()
    require_moderator(user, deliberation)
    created = None
    error = None
    status = 200
    if request.method == "POST":
        try:
            invitation, token = in_transaction(
                lambda: services.invite_member(
                    user,
                    deliberation,
                    request.form.get("email"),
                    request.form.get("role"),
                    request.form.get("group"),
                    request.form.get("weight"),
                )
            )
        except ServiceError as refusal:
            if refusal.status not in FORM_ERRORS:
                raise
            error, status = refusal, refusal.status
        else:
            url = url_for("accounts.accept_invitation", token=token, _external=True)
            created = {"invitation": invitation, "url": url}
            status = 201
    page = render_template(
        "accounts/invitations.html",
        deliberation=deliberation,
        invitations=services.pending_invitations(user, deliberation),
        roles=ROLES,
        created=created,
        error=error,
        form=request.form if error else {},
    )
    return _no_store((page, status))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The invitation link: set a name and password (or sign in) and join."""
    try:
        invitation = services.find_invitation(token)
    except ServiceError as refusal:
        page = render_template("accounts/invitation_invalid.html", error=refusal)
        return _no_store((page, refusal.status))
    invitee = services.find_user(invitation.email)
    error = None
    status = 200
    if request.method == "POST":
        slug = invitation.deliberation.slug
        try:
            if invitee is None and request.form.get("password") != request.form.get("confirm"):
                raise Invalid(_("The two passwords are not the same."), field="confirm")
            # Two people racing for one link: the database's uniqueness decides (409).
            user, _membership = in_transaction(
                lambda: services.accept_invitation(
                    token, request.form.get("name"), request.form.get("password"), current_user
                )
            )
        except ServiceError as refusal:
            if refusal.status not in FORM_ERRORS:
                raise
            error, status = refusal, refusal.status
        else:
            if not (current_user.is_authenticated and current_user.id == user.id):
                start_session(user)
            flash(_("Welcome! You have joined the deliberation."), "success")
            return redirect(url_for("deliberations.show", slug=slug))
    page = render_template(
        "accounts/accept_invitation.html",
        invitation=invitation,
        token=token,
        invitee=invitee,
        signed_in_as_invitee=bool(
            invitee is not None and current_user.is_authenticated and current_user.id == invitee.id
        ),
        error=error,
        form=request.form if error else {},
    )
    return _no_store((page, status))


@bp.route("/account", methods=["GET", "POST"])
def profile():
    """The user's profile: display name and language, and a password change."""
    user = _signed_in_user()
    error = None
    status = 200
    failed_form = None
    if request.method == "POST":
        form_name = request.form.get("form")
        try:
            if form_name == "password":
                if request.form.get("new_password") != request.form.get("confirm"):
                    raise Invalid(_("The two passwords are not the same."), field="confirm")
                in_transaction(
                    lambda: services.change_password(
                        user,
                        request.form.get("current_password"),
                        request.form.get("new_password"),
                    )
                )
                # The change ended every session; this one continues on the new nonce.
                start_session(user)
                flash(
                    _("Your password has been changed. Other sessions were signed out."),
                    "success",
                )
            else:
                form_name = "profile"
                in_transaction(
                    lambda: services.update_profile(
                        user, name=request.form.get("name"), locale=request.form.get("locale")
                    )
                )
                session["locale"] = user.locale
                flash(_("Your profile has been saved."), "success")
        except ServiceError as refusal:
            if refusal.status not in FORM_ERRORS:
                raise
            error, status, failed_form = refusal, refusal.status, form_name
        else:
            return redirect(url_for("accounts.profile"))
    page = render_template(
        "accounts/profile.html",
        user=user,
        languages=[(code, language_name(code)) for code in LANGUAGES],
        error=error,
        failed_form=failed_form,
        form=request.form if error else {},
    )
    return page, status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link by e-mail (when this server sends e-mail)."""
    error = None
    status = 200
    if request.method == "POST":
        try:
            found = in_transaction(
                lambda: services.request_password_reset(
                    request.form.get("email"), request.remote_addr
                )
            )
        except ServiceError as refusal:
            if refusal.status not in (*FORM_ERRORS, 429):
                raise
            error, status = refusal, refusal.status
        else:
            if found is not None:
                user, token = found
                _mail_reset_link(user, token)
            flash(
                _("If an account has this address, a link to set a new password is on its way."),
                "success",
            )
            return redirect(url_for("accounts.login"))
    page = render_template(
        "accounts/forgot_password.html",
        mail_configured=mail_configured(),
        error=error,
        form=request.form if error else {},
    )
    return page, status


def _mail_reset_link(user: User, token: str) -> None:
    """Mail the link in the user's language (failures are logged, never shown: the answer
    must not depend on whether the address has an account)."""
    with force_locale(user.locale or "en"):
        subject = _("Common Ground: set a new password")
        body = _(
            "Someone (hopefully you) asked to set a new password for your Common Ground "
            "account. Open this link within 24 hours to do so:\n\n%(url)s\n\n"
            "If it was not you, ignore this message: your password stays as it is.",
            url=url_for("accounts.reset_password", token=token, _external=True),
        )
    try:
        send_mail([(user.email, subject, body)])
    except (OSError, smtplib.SMTPException):
        logger.exception("could not mail a password reset link")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """A reset link: choose a new password, then sign in with it."""
    try:
        reset = services.find_password_reset(token)
    except ServiceError as refusal:
        page = render_template("accounts/invitation_invalid.html", error=refusal)
        return _no_store((page, refusal.status))
    error = None
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("password") != request.form.get("confirm"):
                raise Invalid(_("The two passwords are not the same."), field="confirm")
            user = in_transaction(
                lambda: services.reset_password(token, request.form.get("password"))
            )
        except ServiceError as refusal:
            if refusal.status not in (*FORM_ERRORS, 404):
                raise
            error, status = refusal, refusal.status
        else:
            logout_user()
            start_session(user)
            flash(_("Your new password is set. Welcome back, %(name)s.", name=user.name), "success")
            return redirect(url_for("web.home"))
    page = render_template("accounts/reset_password.html", reset=reset, token=token, error=error)
    return _no_store((page, status))


@bp.post("/d/<slug>/members/<int:membership_id>/password-reset")
def issue_password_reset(slug: str, membership_id: int):
    """A moderator issues a one-time reset link for a member, shown this once."""
    deliberation = get_deliberation(slug)
    user = _signed_in_user()
    reset, token = in_transaction(
        lambda: services.issue_password_reset(user, deliberation, membership_id)
    )
    page = render_template(
        "accounts/reset_issued.html",
        deliberation=deliberation,
        reset=reset,
        url=url_for("accounts.reset_password", token=token, _external=True),
    )
    return _no_store((page, 201))
