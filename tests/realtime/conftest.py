"""A real server on a real port, and real python-socketio clients talking to it.

``serve(**config)`` starts the app (on the test's SQLite file, where ``world`` lives) with
werkzeug in a thread, as ``python app.py`` serves it; ``connect(...)`` opens a
python-socketio client that records every event it receives.
"""

import queue
import re
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests
import socketio
import sqlalchemy as sa
from conftest import PASSWORD, base_config
from werkzeug.serving import make_server

from commonground import create_app
from commonground.accounts.models import ApiToken
from commonground.db import db, utcnow

#: How long a client waits for an event that should come.
EVENT_TIMEOUT = 10
#: How long a client listens for an event that should not come.
SILENCE = 0.6


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture(autouse=True)
def test_thread_keeps_no_lock(app):
    """The test thread's objects stay loaded after commit.

    SQLite transactions here begin IMMEDIATE (taking the write lock), and an expired
    object reloads in a new transaction; reading ``world.item.id`` after a commit would
    then hold the lock while the live server waits for it.
    """
    db.session().expire_on_commit = False
    yield


@pytest.fixture
def serve(world, database_path, tmp_path):
    """Start the app on a free port; keyword arguments override its settings."""
    started = []

    def start(**config) -> LiveServer:
        app = create_app({**base_config(f"sqlite:///{database_path}", tmp_path), **config})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        started.append((server, thread, app))
        return LiveServer(f"http://127.0.0.1:{server.server_port}", app)

    yield start
    for server, thread, app in started:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live(serve) -> LiveServer:
    """The app served with its default settings."""
    return serve()


@dataclass
class Client:
    """A python-socketio client that keeps every event it receives, in order."""

    sio: socketio.Client
    events: "queue.Queue[tuple[str, object]]" = field(default_factory=queue.Queue)
    seen: list = field(default_factory=list)

    def call(self, event: str, data=None, timeout: float = EVENT_TIMEOUT):
        """Emit and wait for the ack."""
        return self.sio.call(event, data, timeout=timeout)

    def wait_for(self, name: str, predicate=lambda data: True, timeout: float = EVENT_TIMEOUT):
        """The first event ``name`` (not yet consumed) whose data satisfies ``predicate``."""
        for index, (seen_name, data) in enumerate(self.seen):
            if seen_name == name and predicate(data):
                del self.seen[index]
                return data
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {name!r} event within {timeout} s; got {self.seen}")
            try:
                seen_name, data = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if seen_name == name and predicate(data):
                return data
            self.seen.append((seen_name, data))

    def received(self, name: str, wait: float = SILENCE) -> list:
        """Every event ``name`` received so far (after a short wait for stragglers)."""
        time.sleep(wait)
        while True:
            try:
                self.seen.append(self.events.get_nowait())
            except queue.Empty:
                break
        return [data for seen_name, data in self.seen if seen_name == name]

    def disconnect(self):
        """Leave as a closing browser tab does (the server sees the Engine.IO close)."""
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None:
            # websocket-client waits up to 3 s for the server's closing handshake, which
            # the threaded development server does not send; the Engine.IO close packet
            # has told the server already.
            close = ws.close
            ws.close = lambda *args, **kwargs: close(timeout=0.1)
        self.sio.disconnect()


@pytest.fixture
def connect():
    """Open clients: ``connect(url, token=..., cookie=..., origin=..., transport=...)``.

    ``origin=""`` sends no Origin header at all (a script rather than a browser).
    """
    clients: list[Client] = []

    def open_client(
        url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
        transport: str = "websocket",
        reconnection: bool = False,
    ) -> Client:
        # websocket-client sends the server's own origin unless told otherwise, as a
        # browser on the site would; requests (long-polling) sends none unless given.
        websocket_options = {}
        if origin is not None:
            websocket_options = {"origin": origin} if origin else {"suppress_origin": True}
        sio = socketio.Client(
            reconnection=reconnection,
            request_timeout=EVENT_TIMEOUT,
            websocket_extra_options=websocket_options,
        )
        client = Client(sio)

        @sio.on("*")
        def record(event, data=None):
            client.events.put((event, data))

        headers = {}
        if cookie:
            headers["Cookie"] = f"session={cookie}"
        if origin and transport == "polling":
            headers["Origin"] = origin
        clients.append(client)
        sio.connect(
            url,
            auth={"token": token} if token else None,
            headers=headers,
            transports=[transport],
            wait_timeout=EVENT_TIMEOUT,
        )
        return client

    yield open_client
    for client in clients:
        if client.sio.connected:
            client.disconnect()


def session_cookie(url: str, email: str, password: str = PASSWORD) -> str:
    """Sign in through the real login form of the live server; its session cookie."""
    return signed_in_browser(url, email, password).cookies["session"]


def page_csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url).text
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def signed_in_browser(url: str, email: str, password: str = PASSWORD) -> requests.Session:
    """A requests session signed in through the real login form of the live server."""
    browser = requests.Session()
    token = page_csrf_token(browser, f"{url}/login")
    response = browser.post(
        f"{url}/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text[:300]
    return browser


def at_once(clients: dict, send) -> dict:
    """``send(name, client)`` for every client of ``clients`` in threads released together
    (a burst, as a plenary's delegates make one); each call's result by name."""
    start = threading.Barrier(len(clients))
    results = {}

    def run(name, client):
        start.wait()
        results[name] = send(name, client)

    threads = [threading.Thread(target=run, args=pair) for pair in clients.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def revoke_elsewhere(token: str) -> None:
    """Revoke ``token`` in the database only, as another server process does: a revocation
    on this server would also close the token's sockets."""
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.prefix == token[:10]).values(revoked_at=utcnow())
    )
    db.session.commit()
