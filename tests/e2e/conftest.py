"""Browser tests: the real app served on a free local port, driven by Playwright in Debian's
Chromium. Skipped, saying why, when /usr/bin/chromium is not installed (``.ci/run`` installs it).

Fixtures:
- ``live_server``: the app on a fresh migrated SQLite file, served in a thread; ``.url``.
- ``demo_server``: the same with the demo deliberation seeded.
- ``page``: a fresh context (no cookies) and page per test, in the session's ``browser``
  (tests/conftest.py).
"""

import threading
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from conftest import base_config
from flask import Flask
from werkzeug.serving import make_server

from commonground import create_app
from commonground.db import db


@dataclass
class LiveServer:
    """A running server: its base URL and its app (for seeding data with an app context)."""

    url: str
    app: Flask


@pytest.fixture
def live_server(database_path, tmp_path):
    """The app on a fresh migrated SQLite copy, served by werkzeug on 127.0.0.1:<free port>."""
    with served(create_app(base_config(f"sqlite:///{database_path}", tmp_path))) as server:
        yield server


@contextmanager
def served(app: Flask):
    """``app`` served by werkzeug on 127.0.0.1:<free port> for the block."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def demo_server(live_server):
    """The live server with the demo deliberation and its accounts."""
    from commonground.demo import seed_demo

    with live_server.app.app_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
    return live_server


@pytest.fixture
def page(browser):
    """A new page in a fresh browser context (no cookies, English browser)."""
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
