"""Common Ground: a multi-stakeholder deliberation platform."""

import logging
from pathlib import Path

from flask import Flask

from .config import ROOT, settings_from_environment

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
    app.config.from_mapping(settings_from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    if proxies := app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    from . import models  # noqa: F401  (every table registered before anything queries)
    from .database import configure_database
    from .extensions import babel, csrf, db, login_manager, migrate, socketio
    from .i18n import compile_catalogs, select_locale, select_timezone

    compile_catalogs(app.config["BABEL_TRANSLATION_DIRECTORIES"])

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    login_manager.init_app(app)
    configure_database(app)
    socketio.init_app(app, **socketio_options(app))

    from .accounts import auth
    from .api import register_api
    from .cli import register_commands
    from .realtime import init_realtime
    from .web import register_web

    auth.init_app(app)
    init_realtime(app)
    register_web(app)
    register_api(app)
    register_commands(app)

    from .database import prepare_database

    prepare_database(app)
    return app


def socketio_options(app: Flask) -> dict:
    """Options for Flask-SocketIO: async mode, message queue, origins, payload limit."""
    from .realtime.origins import origin_policy

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
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"
