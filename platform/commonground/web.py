"""Site-wide pages and page plumbing: home, health check, language switch, error pages."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from .config import LANGUAGES
from .errors import ServiceError, Unauthorized
from .extensions import db
from .i18n import current_language, language_name, text_direction, ui_languages
from .labels import role_label, scheme_label, status_label

bp = Blueprint("web", __name__)


def register_web(app: Flask) -> None:
    """Register the site-wide pages and every capability's page blueprint."""
    from .accounts.views import bp as accounts_bp
    from .consensus.views import bp as consensus_bp
    from .deliberations.views import bp as deliberations_bp
    from .discussion.views import bp as discussion_bp
    from .live.views import bp as live_bp
    from .voting.views import bp as voting_bp

    app.register_blueprint(bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(deliberations_bp)
    app.register_blueprint(discussion_bp)
    app.register_blueprint(voting_bp)
    app.register_blueprint(consensus_bp)
    app.register_blueprint(live_bp)

    @app.context_processor
    def page_context():
        return {
            "current_language": current_language(),
            "text_direction": text_direction(),
            "ui_languages": ui_languages(),
            "language_name": language_name,
            "status_label": status_label,
            "role_label": role_label,
            "scheme_label": scheme_label,
        }

    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["percent"] = format_percent

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'",
        )
        return response


def render_service_error(error: ServiceError):
    """An error on a page: sign-in for 401, else an error page with the message."""
    if isinstance(error, Unauthorized):
        return redirect(url_for("accounts.login", next=request.full_path))
    return render_template("error.html", error=error), error.status


@bp.get("/")
def home():
    """The list of deliberations the visitor may read."""
    from .deliberations.services import readable_deliberations

    return render_template("home.html", deliberations=readable_deliberations(current_user))


@bp.get("/healthz")
def healthz():
    """200 once the database (and the message queue, when configured) answer."""
    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError:
        checks["database"] = "unreachable"
    if redis_url := current_app.config.get("REDIS_URL"):
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_timeout=2).ping()
            checks["message_queue"] = "ok"
        except redis.RedisError:
            checks["message_queue"] = "unreachable"
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return jsonify(body), 200 if healthy else 503


@bp.post("/language")
def set_language():
    """Remember the chosen interface language (for the account, or this browser)."""
    language = request.form.get("language")
    if language not in LANGUAGES:
        flash(_("This language is not available."), "error")
        return redirect(url_for("web.home"))
    session["locale"] = language
    if current_user.is_authenticated:
        from .accounts.services import set_user_locale

        set_user_locale(current_user, language)
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")))


def safe_next_url(target: str | None) -> str:
    """Only same-site relative paths are followed after a form."""
    # Browsers read a backslash as "/" and drop tabs and newlines from URLs, so paths with
    # either could still lead off the site.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return url_for("web.home")
