"""Account actions: one function per action, used by pages, API and CLI alike.

Each function validates through ``fields.py``, changes the models and flushes; the caller
commits. Refusals are ``ServiceError``s, so every channel reports them the same way.
"""

import contextlib
import logging
import secrets
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from argon2.exceptions import VerificationError
from flask_babel import lazy_gettext as _l

from .. import events, fields
from ..config import LANGUAGES
from ..db import db, iso, utcnow
from ..deliberations.access import membership_of, require_moderator
from ..deliberations.models import ROLES, Deliberation, Membership, StakeholderGroup
from ..errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from ..fields import choice
from ..mail import mail_configured
from ..realtime import disconnect_user
from ..realtime.emitting import call_after_commit
from ..realtime.ratelimit import check_failures, check_rate, clear_failures, record_failure
from ..records.audit import record_event
from .auth import (
    hash_password,
    new_secret_token,
    new_session_nonce,
    password_hasher,
    token_digest,
    verify_password,
)
from .models import TOKEN_SCOPES, ApiToken, Invitation, PasswordReset, User
from .rules import may_issue_password_reset
from .schemas import account_json

logger = logging.getLogger(__name__)

PASSWORD_MIN_LENGTH = 10
#: argon2 hashes any length, but an unbounded input is an easy way to burn CPU.
PASSWORD_MAX_LENGTH = 1024
INVITATION_LIFETIME = timedelta(days=14)
#: Characters of an API token kept in clear, so a user can tell their tokens apart.
TOKEN_PREFIX_LENGTH = 10


def set_user_locale(user: User, language: str) -> None:
    """Remember the user's interface language."""
    user.locale = choice(language, "language", LANGUAGES)


# --- users and sign-in ----------------------------------------------------------------------


def find_user(email: str) -> User | None:
    """The user with this email address (any case), or None."""
    if not isinstance(email, str):
        return None
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def validate_password(password) -> str:
    """A password of at least ``PASSWORD_MIN_LENGTH`` characters (kept as typed)."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
        raise Invalid(
            _l("The password must have at least %(count)s characters.", count=PASSWORD_MIN_LENGTH),
            field="password",
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise Invalid(
            _l("The password must have at most %(count)s characters.", count=PASSWORD_MAX_LENGTH),
            field="password",
        )
    return password


def create_user(email: str, name: str, password: str, admin: bool = False) -> User:
    """Create an account that can sign in with ``password``."""
    email = fields.email(email)
    name = fields.text(name, "name", max_length=120)
    password = validate_password(password)
    if find_user(email) is not None:
        raise Conflict(_l("An account with this email address already exists."), field="email")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        is_admin=bool(admin),
        session_nonce=new_session_nonce(),
    )
    db.session.add(user)
    db.session.flush()
    logger.info("user created", extra={"user_id": user.id, "admin": user.is_admin})
    return user


def authenticate(email: str, password: str, client_address: str | None = None) -> User:
    """The user whose email (any case) and password these are.

    The refusal never says which of the two was wrong, so the form cannot be used to find
    out who has an account. Attempts are rate-limited per address and per client, so
    passwords cannot be guessed at speed (``RateLimited``, HTTP 429).
    """
    # Per address, failures only (a correct password clears them), and once they are used
    # up even the right password waits: a guess must not be confirmed by its success.
    # Per client, every attempt counts.
    email_key = f"login:email:{email.strip().lower()}" if isinstance(email, str) else None
    if email_key:
        check_failures(email_key, "LOGIN_RATE_LIMIT")
    if client_address:
        check_rate(f"login:client:{client_address}", "LOGIN_CLIENT_RATE_LIMIT")
    user = find_user(email) if isinstance(email, str) else None
    if not isinstance(password, str) or len(password) > PASSWORD_MAX_LENGTH:
        password = ""
    if user is None:
        # Spend the same effort as a real check, so timing does not tell either.
        _verify_dummy(password)
        ok = False
    else:
        ok = verify_password(user, password)
    if not ok:
        if email_key:
            record_failure(email_key, "LOGIN_RATE_LIMIT")
        raise Unauthorized(
            _l("The email address or the password is not correct."), code="invalid_credentials"
        )
    if email_key:
        clear_failures(email_key)
    return user


@cache
def _dummy_hash() -> str:
    return password_hasher.hash(secrets.token_hex(16))


def _verify_dummy(password: str) -> None:
    with contextlib.suppress(VerificationError):
        password_hasher.verify(_dummy_hash(), password)


def log_out(user: User) -> None:
    """End every session of the user: the session cookie embeds the nonce rotated here.
    Their open sockets close once this commits (a socket opened with a session cookie
    cannot reconnect; one opened with an API token can)."""
    user.session_nonce = new_session_nonce()
    db.session.flush()
    _close_sockets_after_commit(user)


# --- API tokens -----------------------------------------------------------------------------


def create_api_token(user: User, name: str, scope: str = "write") -> tuple[ApiToken, str]:
    """A new API token for ``user``: the model (holding only the hash) and the plaintext,
    which is shown once and never stored."""
    name = fields.text(name, "name", max_length=100)
    scope = choice(scope, "scope", TOKEN_SCOPES)
    token, digest = new_secret_token()
    api_token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=digest,
        prefix=token[:TOKEN_PREFIX_LENGTH],
        scope=scope,
    )
    db.session.add(api_token)
    db.session.flush()
    logger.info("api token created", extra={"user_id": user.id, "token_id": api_token.id})
    return api_token, token


def user_api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (revoking twice changes nothing)."""
    api_token = db.session.get(ApiToken, token_id) if fields.is_row_id(token_id) else None
    if api_token is None or api_token.user_id != user.id:
        raise NotFound(_l("You have no API token with this number."))
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        db.session.flush()
        _close_sockets_after_commit(user)
        logger.info("api token revoked", extra={"user_id": user.id, "token_id": api_token.id})
    return api_token


def _close_sockets_after_commit(user: User) -> None:
    """Close the user's sockets in items and live sessions once the change commits: every
    event re-reads the socket's rights, but room broadcasts reach a socket without asking.
    The sockets whose credentials still hold reconnect and are judged afresh."""
    user_id = user.id
    call_after_commit(lambda: disconnect_user(user_id))


# --- invitations ----------------------------------------------------------------------------


def invite_member(
    actor: User,
    deliberation: Deliberation,
    email: str,
    role: str,
    group_key: str | None = None,
    weight=1,
) -> tuple[Invitation, str]:
    """Invite ``email`` into the deliberation with a role (and group, required for
    delegates). Returns the invitation and its token, which only the link carries."""
    require_moderator(actor, deliberation)
    email = fields.email(email)
    role = choice(role, "role", ROLES)
    group = _group_of(deliberation, group_key)
    if role == "delegate" and group is None:
        raise Invalid(_l("Choose the stakeholder group of the delegate."), field="group")
    weight = 1 if weight in (None, "") else fields.integer(weight, "weight", minimum=1)
    invitee = find_user(email)
    if invitee is not None and membership_of(invitee, deliberation) is not None:
        raise Conflict(_l("This person is already a member of the deliberation."), field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        deliberation_id=deliberation.id,
        email=email,
        role=role,
        group_id=group.id if group else None,
        weight=weight,
        token_hash=token_digest(token),
        invited_by_id=actor.id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    # The record is public for public deliberations: the invitee's address stays out of it.
    record_event(
        deliberation,
        actor,
        "invitation.create",
        f"invitation:{invitation.id}",
        {"role": role, "group": group.key if group else None, "weight": weight},
    )
    logger.info(
        "invitation created",
        extra={"deliberation": deliberation.slug, "invitation_id": invitation.id},
    )
    return invitation, token


def _group_of(deliberation: Deliberation, group_key) -> StakeholderGroup | None:
    """The deliberation's group with this key; None when no key is given."""
    if group_key in (None, ""):
        return None
    if not isinstance(group_key, str):
        raise Invalid(_l("This must be text."), field="group")
    group = db.session.scalar(
        sa.select(StakeholderGroup).where(
            StakeholderGroup.deliberation_id == deliberation.id,
            StakeholderGroup.key == group_key,
        )
    )
    if group is None:
        raise Invalid(_l("This deliberation has no such stakeholder group."), field="group")
    return group


def pending_invitations(actor: User, deliberation: Deliberation) -> list[Invitation]:
    """The deliberation's invitations not yet accepted nor expired, newest first."""
    require_moderator(actor, deliberation)
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.deliberation_id == deliberation.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def find_invitation(token: str) -> Invitation:
    """The invitation this link token opens, if it can still be accepted."""
    invitation = None
    if isinstance(token, str) and token:
        invitation = db.session.scalar(
            sa.select(Invitation).where(Invitation.token_hash == token_digest(token))
        )
    if invitation is None:
        raise NotFound(_l("This invitation link is not valid. Ask the moderator for a new one."))
    if invitation.accepted_at is not None:
        raise Conflict(
            _l("This invitation has already been accepted. Sign in to take part."),
            code="invitation_used",
        )
    if invitation.expires_at <= utcnow():
        raise Conflict(
            _l("This invitation has expired. Ask the moderator for a new one."),
            code="invitation_expired",
        )
    return invitation


def accept_invitation(
    token: str, name: str | None, password: str | None, current_user=None
) -> tuple[User, Membership]:
    """Redeem an invitation: join with the account of the invited email, creating it (with
    ``name`` and ``password``) when there is none. Returns the user and the membership."""
    invitation = find_invitation(token)
    signed_in = current_user if current_user is not None and current_user.is_authenticated else None
    user = find_user(invitation.email)
    if user is None:
        user = create_user(invitation.email, name, password)
    elif signed_in is None:
        raise Unauthorized(
            _l("An account with this email address exists. Sign in with it to accept."),
            code="sign_in_required",
        )
    elif signed_in.id != user.id:
        raise Forbidden(
            _l("This invitation is for another account. Sign out, then sign in with it."),
            code="wrong_account",
        )
    deliberation = invitation.deliberation
    if membership_of(user, deliberation) is not None:
        raise Conflict(_l("You are already a member of this deliberation."))
    if invitation.role == "delegate" and invitation.group_id is None:
        # The group was deleted after the invitation was sent.
        raise Conflict(_l("The stakeholder group of this invitation no longer exists."))
    membership = Membership(
        deliberation_id=deliberation.id,
        user_id=user.id,
        role=invitation.role,
        group_id=invitation.group_id,
        weight=invitation.weight,
    )
    db.session.add(membership)
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    db.session.flush()
    record_event(
        deliberation,
        user,
        "invitation.accept",
        f"member:{membership.id}",
        {"invitation": invitation.id, "role": membership.role},
    )
    logger.info(
        "invitation accepted",
        extra={"deliberation": deliberation.slug, "invitation_id": invitation.id},
    )
    return user, membership


# --- privacy: export and erasure (Action VI of the Plan) ------------------------------------

#: Version of the personal data export's shape.
EXPORT_FORMAT = "commonground-personal-data/1"
#: The domain of the placeholder address an erased account keeps (``.invalid`` is reserved
#: by RFC 2606, so it can never reach anyone); the address must stay unique.
ERASED_EMAIL_DOMAIN = "erased.invalid"


def personal_data(user: User) -> dict:
    """Everything stored about ``user``, as one JSON document.

    The account is this capability's section; every other section comes from the
    capability that stores it, through ``events.personal_data_requested`` (memberships,
    posts with their revisions, translations, reactions, ballots and receipts, and whatever
    a capability added later, such as notifications).
    """
    sections: dict = {"account": account_json(user), "api_tokens": _token_rows(user)}
    for answer in events.answers(events.personal_data_requested.send(user)):
        sections.update(answer)
    return {"format": EXPORT_FORMAT, "exported_at": iso(utcnow()), **dict(sorted(sections.items()))}


def _token_rows(user: User) -> list[dict]:
    return [
        {
            "name": token.name,
            "prefix": token.prefix,
            "scope": token.scope,
            "created_at": iso(token.created_at),
            "last_used_at": iso(token.last_used_at),
            "revoked_at": iso(token.revoked_at),
        }
        for token in user_api_tokens(user)
    ]


def check_current_password(user: User, password) -> None:
    """Refuse (``wrong_password``, the field ``password``) unless ``password`` is the user's
    own: a grave action asks again who is at the keyboard. Failures are rate-limited like
    sign-in attempts."""
    key = f"password:user:{user.id}"
    check_failures(key, "LOGIN_RATE_LIMIT")
    if not isinstance(password, str) or not password or len(password) > PASSWORD_MAX_LENGTH:
        password = ""
    if not password or user.password_hash is None or not verify_password(user, password):
        record_failure(key, "LOGIN_RATE_LIMIT")
        raise Invalid(
            _l("This is not your password. Nothing has been changed."),
            field="password",
            code="wrong_password",
        )
    clear_failures(key)


def erase_account(user: User, *, confirm, password=None, redact=False) -> User:
    """Erase the account of ``user`` at their own request.

    ``confirm`` must be exactly True (nothing is erased by mistake); ``password``, when
    given (the page always gives it), must be theirs. The e-mail address, name, password,
    interface language and API tokens are gone and every session ends; the memberships stay,
    so their posts, reactions and ballots remain in the record under their pseudonym and
    every tally and the signed log are unchanged — they appear as "Former member" there.
    ``redact``: they also ask that their posts' text be replaced by a notice, which a
    moderator of each deliberation approves or refuses (``events.user_erased``).
    """
    if user.erased_at is not None:
        raise Conflict(_l("This account has already been erased."), code="erased")
    if confirm is not True:
        raise Invalid(
            _l("Confirm that you want to erase your account: nothing has been erased."),
            field="confirm",
            code="confirmation_required",
        )
    redact = fields.boolean(redact, "redact_posts")
    if password is not None:
        check_current_password(user, password)
    memberships = list(
        db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id))
    )
    old_email = user.email
    placeholder = f"erased-{user.id}@{ERASED_EMAIL_DOMAIN}"
    db.session.execute(
        sa.update(Invitation).where(Invitation.email == old_email).values(email=placeholder)
    )
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.user_id == user.id))
    user.email = placeholder
    user.name = ""
    user.password_hash = None
    user.locale = None
    user.is_admin = False
    user.session_nonce = new_session_nonce()
    user.erased_at = utcnow()
    db.session.flush()
    events.user_erased.send(user, memberships=memberships, redaction=redact)
    db.session.flush()
    logger.info("account erased", extra={"user_id": user.id, "memberships": len(memberships)})
    return user


# --- the profile ----------------------------------------------------------------------------


def update_profile(user: User, *, name=None, locale=None) -> User:
    """Change the display name and the preferred interface language (what is given)."""
    if name is not None:
        user.name = fields.text(name, "name", max_length=120)
    if locale is not None:
        user.locale = choice(locale, "locale", LANGUAGES)
    db.session.flush()
    return user


def change_password(user: User, current_password, new_password) -> User:
    """Set a new password, proven by the current one. Every other session of the account
    ends (the caller signs the current one in again)."""
    email_key = f"login:email:{user.email}"
    # Guesses at the current password count against the same budget as sign-in attempts.
    check_failures(email_key, "LOGIN_RATE_LIMIT")
    if not isinstance(current_password, str) or not verify_password(user, current_password):
        record_failure(email_key, "LOGIN_RATE_LIMIT")
        raise Invalid(
            _l("The current password is not correct."),
            field="current_password",
            code="wrong_password",
        )
    clear_failures(email_key)
    new_password = validate_password(new_password)
    user.password_hash = hash_password(new_password)
    user.session_nonce = new_session_nonce()
    db.session.flush()
    logger.info("password changed", extra={"user_id": user.id})
    return user


# --- password reset -------------------------------------------------------------------------

PASSWORD_RESET_LIFETIME = timedelta(hours=24)


def _new_password_reset(user: User, issued_by: User | None) -> tuple[PasswordReset, str]:
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_digest(token),
        issued_by_id=issued_by.id if issued_by else None,
        expires_at=utcnow() + PASSWORD_RESET_LIFETIME,
    )
    db.session.add(reset)
    db.session.flush()
    return reset, token


def request_password_reset(email, client_address: str | None = None) -> tuple[User, str] | None:
    """Someone asks for a reset link by e-mail. Returns the user and the link's token when
    the address has an account that signs in with a password, else None — the caller says
    the same thing either way, so the form does not tell who has an account. Refused when
    this server sends no e-mail."""
    if not mail_configured():
        raise Conflict(
            _l("This server sends no e-mail. Ask a moderator of your deliberation for a link."),
            code="mail_not_configured",
        )
    email = fields.email(email)
    check_rate(f"reset:email:{email}", "LOGIN_RATE_LIMIT")
    if client_address:
        check_rate(f"reset:client:{client_address}", "LOGIN_CLIENT_RATE_LIMIT")
    user = find_user(email)
    if user is None or user.password_hash is None:
        return None
    reset, token = _new_password_reset(user, None)
    logger.info("password reset requested", extra={"user_id": user.id, "reset_id": reset.id})
    return user, token


def issue_password_reset(
    actor: User, deliberation: Deliberation, membership_id
) -> tuple[PasswordReset, str]:
    """A moderator (or admin) issues a one-time reset link for a member, to hand over
    themselves (as invitations are). See ``rules.may_issue_password_reset``."""
    require_moderator(actor, deliberation)
    membership = (
        db.session.get(Membership, membership_id) if fields.is_row_id(membership_id) else None
    )
    if membership is None or membership.deliberation_id != deliberation.id:
        raise NotFound(_l("This deliberation has no member with this number."))
    target = membership.user
    target_deliberations = set(
        db.session.scalars(
            sa.select(Membership.deliberation_id).where(Membership.user_id == target.id)
        )
    )
    moderated = set(
        db.session.scalars(
            sa.select(Membership.deliberation_id).where(
                Membership.user_id == actor.id, Membership.role == "moderator"
            )
        )
    )
    if not may_issue_password_reset(
        actor_id=actor.id,
        actor_is_admin=bool(actor.is_admin),
        actor_moderates=moderated,
        target_id=target.id,
        target_is_admin=bool(target.is_admin),
        target_deliberations=target_deliberations,
    ):
        raise Forbidden(
            _l(
                "Only an admin can issue a link for this account: it is an admin, yours, "
                "or a member of deliberations you do not moderate."
            ),
            code="reset_not_allowed",
        )
    reset, token = _new_password_reset(target, actor)
    record_event(deliberation, actor, "password_reset.issue", f"member:{membership.id}", {})
    logger.info("password reset issued", extra={"user_id": target.id, "reset_id": reset.id})
    return reset, token


def find_password_reset(token) -> PasswordReset:
    """The reset this link token opens, if it can still be used."""
    reset = None
    if isinstance(token, str) and token:
        reset = db.session.scalar(
            sa.select(PasswordReset).where(PasswordReset.token_hash == token_digest(token))
        )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise NotFound(
            _l("This link is not valid, has been used, or has expired. Ask for a new one."),
            code="reset_invalid",
        )
    return reset


def reset_password(token, new_password) -> User:
    """Set a new password with a reset link: the link (and every other unused one of the
    account) stops working, and every session of the account ends."""
    reset = find_password_reset(token)
    new_password = validate_password(new_password)
    user = reset.user
    now = utcnow()
    # Used by this UPDATE, not read-then-write: two uses racing, only one changes a row.
    used = db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if used != 1:
        raise NotFound(_l("This link has been used. Ask for a new one."), code="reset_invalid")
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(new_password)
    user.session_nonce = new_session_nonce()
    db.session.flush()
    clear_failures(f"login:email:{user.email}")
    logger.info("password reset", extra={"user_id": user.id, "reset_id": reset.id})
    return user
