"""Site-wide pages: home, health check, language switch."""

import redis
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
from flask_babel import gettext as _
from flask_login import current_user

from .accounts.services import set_user_locale
from .config import LANGUAGES
from .db import db
from .deliberations.queries import readable_deliberations
from .pages import safe_next_url
from .transactions import in_transaction

bp = Blueprint("web", __name__)


def init_web(app: Flask) -> None:
    """Register the site-wide pages."""
    app.register_blueprint(bp)


@bp.get("/")
def home():
    """The list of deliberations the visitor may read."""
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
        in_transaction(lambda: set_user_locale(current_user, language))
    return redirect(safe_next_url(request.form.get("next")))
