"""Common Ground: a multi-stakeholder deliberation platform."""

import logging
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    accounts,
    consensus,
    deliberations,
    discussion,
    live,
    models,
    notifications,
    records,
    search,
    voting,
)
from .api import init_api
from .config import ROOT, settings_from_environment
from .db import configure_database, db, pool_options
from .demo import demo_command, seed_demo_if_empty
from .extensions import babel, csrf, login_manager, migrate, socketio
from .fields import RowIdConverter
from .i18n import compile_catalogs, select_locale, select_timezone
from .pages import init_pages
from .realtime import init_realtime
from .realtime.origins import origin_policy
from .transactions import read_body_first
from .web import init_web

#: Every capability, in the order their pages, API and receivers are registered. Each is a
#: package with an ``init_app(app)`` (see the README's *Contributing* section).
CAPABILITIES = (
    accounts,
    deliberations,
    discussion,
    voting,
    consensus,
    live,
    records,
    notifications,
    search,
)

#: Every table is registered (``models`` imports them all) before anything queries.
__all__ = ["CAPABILITIES", "create_app", "models"]

logger = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application.

    Settings come from the environment (see ``config.py``); ``test_config`` overrides them.
    """
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
        template_folder="templates",
    )
    # Before any route is added: <int:…> never matches a number no row's id can be.
    app.url_map.converters["int"] = RowIdConverter
    app.config.from_mapping(settings_from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    compile_catalogs(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    # First of all hooks: no request holds a transaction while its body is still arriving.
    app.before_request(read_body_first)

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", pool_options(app.config))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    login_manager.init_app(app)
    configure_database(app)
    socketio.init_app(app, **socketio_options(app))

    init_realtime(app)
    init_pages(app)
    init_web(app)
    for capability in CAPABILITIES:
        capability.init_app(app)
    # After accounts: the API's credential rules read the bearer token accounts resolved.
    init_api(app)
    app.cli.add_command(demo_command)

    prepare_database(app)
    return app


def prepare_database(app: Flask) -> None:
    """Apply migrations and seed the demo when the settings ask for it."""
    with app.app_context():
        if app.config.get("AUTO_MIGRATE"):
            upgrade()
        if app.config.get("DEMO"):
            seed_demo_if_empty()


def socketio_options(app: Flask) -> dict:
    """Options for Flask-SocketIO: async mode, message queue, origins, payload limit."""
    options = {
        "async_mode": _async_mode(),
        "max_http_buffer_size": app.config["SOCKETIO_MAX_PAYLOAD"],
        # Same origin, plus the configured allow-list; never "*" (realtime/origins.py).
        "cors_allowed_origins": origin_policy(app.config["SOCKETIO_ALLOWED_ORIGINS"]),
    }
    if app.config.get("REDIS_URL"):
        options["message_queue"] = app.config["REDIS_URL"]
    return options


def _async_mode() -> str:
    """gevent when the process runs under gevent (gunicorn -k gevent), else threads."""
    try:
        # Here, not at the top: gevent is optional (the [server] extra installs it).
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"
