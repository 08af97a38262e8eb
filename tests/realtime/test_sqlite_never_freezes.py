"""The embedded default never freezes (issue 15): on SQLite, under the documented
``gunicorn -k gevent -w 1``, a client that sends only part of a write request's body holds
no lock — everyone else's reads and writes still succeed while it dawdles, and its own
request succeeds once its body arrives.

A real server process on the test's SQLite file, real sockets; the only time limits are
generous liveness timeouts (a frozen process answers nothing, or a 5xx once SQLite gives up).
"""

import json
import os
import select
import socket
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from commonground.db import db

from .test_discussion_scaleout import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
#: Long enough for any request on an idle machine many times over.
LIVENESS = 30

pytestmark = pytest.mark.slow


@pytest.fixture
def gevent_server(world, database_path, tmp_path):
    """``gunicorn -k gevent -w 1`` on the test's SQLite file."""
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    db.session.commit()
    db.session.remove()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database_path}",
        "SECRET_KEY": "freeze-" + uuid.uuid4().hex,
        "AUTO_MIGRATE": "0",
        "DEMO": "0",
    }
    env.pop("REDIS_URL", None)
    log = (tmp_path / "server-0.log").open("w")
    process = subprocess.Popen(
        [str(GUNICORN), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, tmp_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def start_dawdling(url: str, path: str, token: str, body: bytes) -> socket.socket:
    """Send a POST's headers and the first half of its body, then stop; returns the
    socket, the rest of the body still owed."""
    host, port = url.removeprefix("http://").split(":")
    dawdler = socket.create_connection((host, int(port)), timeout=LIVENESS)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    dawdler.sendall(head + body[: len(body) // 2])
    return dawdler


def finish(dawdler: socket.socket, body: bytes) -> int:
    """Send the rest of the body; returns the response's status code."""
    dawdler.sendall(body[len(body) // 2 :])
    answer = b""
    while chunk := dawdler.recv(65536):
        answer += chunk
    dawdler.close()
    return int(answer.split(b" ", 2)[1])


WRITES = {
    "/api/v1/items/{item}/posts": {"body": "Half of this arrives late.", "language": "en"},
    "/api/v1/items/{item}/motions": {"text": "A late motion.", "rule": {"kind": "majority"}},
}


@pytest.mark.parametrize("path", list(WRITES))
def test_a_partial_request_body_stalls_nobody_else(gevent_server, world, path):
    url = gevent_server
    item = world.item.id
    body = json.dumps(WRITES[path]).encode()
    token = world.tokens["moderator"]
    dawdler = start_dawdling(url, path.format(item=item), token, body)
    try:
        others = requests.Session()
        delegate = world.headers("delegate")
        # Reads and writes by someone else, while the dawdler's body is still incomplete.
        assert others.get(f"{url}/healthz", timeout=LIVENESS).status_code == 200
        for number in range(3):
            posted = others.post(
                f"{url}/api/v1/items/{item}/posts",
                json={"body": f"Meanwhile, post {number}.", "language": "en"},
                headers=delegate,
                timeout=LIVENESS,
            )
            assert posted.status_code == 201, posted.text
        listed = others.get(f"{url}/api/v1/items/{item}/posts", headers=delegate, timeout=LIVENESS)
        assert listed.status_code == 200
        assert len(listed.json()["items"]) == 3
    finally:
        status = finish(dawdler, body)
    assert status == 201


def test_a_request_waiting_for_the_write_lock_lets_the_process_serve_others(
    gevent_server, database_path
):
    url = gevent_server
    host, port = url.removeprefix("http://").split(":")
    # Another process (a CLI command, say) holds SQLite's write lock.
    holder = sqlite3.connect(database_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        # The health check needs the database: it waits for the lock, and answers only
        # once the lock is free …
        waiting = socket.create_connection((host, int(port)), timeout=LIVENESS)
        waiting.sendall(
            f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        # … while the process serves, over another connection, what needs no lock.
        static = requests.get(f"{url}/static/favicon.svg", timeout=LIVENESS)
        assert static.status_code == 200
        readable, _, _ = select.select([waiting], [], [], 0)
        assert not readable, "the health check answered before the lock was free"
    finally:
        holder.rollback()
        holder.close()
    answer = b""
    while chunk := waiting.recv(65536):
        answer += chunk
    waiting.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
