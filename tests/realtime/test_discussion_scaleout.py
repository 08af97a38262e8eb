"""Two real server processes (``gunicorn -k gevent -w 1``, the documented production
command) on one PostgreSQL database and one Redis: a post made through one reaches a
socket client of the other; presence and rate limits are shared too.

Runs when PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer; skipped, saying
so, otherwise.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from conftest import (
    make_deliberation,
    make_group,
    make_item,
    make_member,
    make_token,
    make_user,
    reachable,
)

from commonground.db import db

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def scaled_world(pg_app):
    """Two delegates of different groups and an open item, on PostgreSQL."""
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    forget_realtime_state(pg_app)
    deliberation = make_deliberation("scale-2026")
    gov = make_group(deliberation, "governments")
    civ = make_group(deliberation, "civil_society", position=1)
    alice = make_user("alice@example.org", "Alice")
    bob = make_user("bob@example.org", "Bob")
    make_member(alice, deliberation, "delegate", gov)
    make_member(bob, deliberation, "delegate", civ)
    item = make_item(deliberation, "Scaling out")
    tokens = {"alice": make_token(alice), "bob": make_token(bob)}
    db.session.commit()
    return {"item": item.id, "tokens": tokens, "url": pg_app.config["SQLALCHEMY_DATABASE_URI"]}


def forget_realtime_state(app) -> None:
    """Drop the presence and rate windows an earlier test left in Redis for this database
    (its ids start again at 1 after each test)."""
    import redis

    from commonground.realtime import redis_prefix

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = list(client.scan_iter(match=redis_prefix(app) + "*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def two_processes(scaled_world, tmp_path):
    """Two gunicorn processes sharing the database, Redis and the secret key."""
    env = {
        **os.environ,
        "DATABASE_URL": scaled_world["url"],
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SECRET_KEY": "scale-out-" + uuid.uuid4().hex,
        "AUTO_MIGRATE": "0",
        "DEMO": "0",
        "POST_RATE_LIMIT": "5/60",
    }
    processes, urls = [], []
    for index in range(2):
        port = free_port()
        log = (tmp_path / f"server-{index}.log").open("w")
        processes.append(
            subprocess.Popen(
                [str(GUNICORN), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}", "app:app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_until_healthy(url, process, tmp_path)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until_healthy(url: str, process: subprocess.Popen, tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "\n".join(p.read_text() for p in tmp_path.glob("server-*.log"))
            raise AssertionError(f"server exited with {process.returncode}:\n{logs[-3000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not become healthy")


def test_a_post_through_one_process_reaches_a_client_of_the_other(
    two_processes, scaled_world, connect
):
    first, second = two_processes
    item = scaled_world["item"]
    alice = connect(first, token=scaled_world["tokens"]["alice"], transport="websocket")
    bob = connect(second, token=scaled_world["tokens"]["bob"], transport="websocket")
    assert alice.call("join", {"item": item})["ok"]
    assert bob.call("join", {"item": item})["ok"]

    # Presence is shared: each process sees the other's socket.
    presence = alice.wait_for("presence", lambda p: p["online"] == 2)
    assert presence["by_group"] == {"civil_society": 1, "governments": 1}

    body = f"Across processes {uuid.uuid4().hex}"
    ack = bob.call("post", {"item": item, "body": body})
    assert ack["ok"], ack
    received = alice.wait_for("post:new", lambda p: p["body"] == body)
    assert received["id"] == ack["post"]["id"] and received["author"]["name"] == "Bob"

    reply = alice.call(
        "post", {"item": item, "body": "Reply from the first", "parent": received["id"]}
    )
    got = bob.wait_for("post:new", lambda p: p["id"] == reply["post"]["id"])
    assert got["parent"] == received["id"]

    # Through the HTTP API of the first process, to the socket of the second.
    via_http = f"Via HTTP {uuid.uuid4().hex}"
    response = requests.post(
        f"{first}/api/v1/items/{item}/posts",
        json={"body": via_http},
        headers={"Authorization": f"Bearer {scaled_world['tokens']['alice']}"},
        timeout=10,
    )
    assert response.status_code == 201
    assert bob.wait_for("post:new", lambda p: p["body"] == via_http)

    # Typing crosses processes too.
    assert bob.call("typing", {"item": item})["ok"]
    assert alice.wait_for("typing")["name"] == "Bob"


def test_the_rate_limit_counts_posts_on_every_process(two_processes, scaled_world, connect):
    first, second = two_processes
    item = scaled_world["item"]
    on_first = connect(first, token=scaled_world["tokens"]["alice"])
    on_second = connect(second, token=scaled_world["tokens"]["alice"])
    acks = [
        (on_first if n % 2 else on_second).call("post", {"item": item, "body": f"Post {n}"})
        for n in range(6)
    ]
    assert [a["ok"] for a in acks] == [True] * 5 + [False]
    assert acks[-1]["error"]["code"] == "rate_limited"


def test_presence_counts_names_and_disconnects_are_shared_by_the_processes(
    two_processes, scaled_world, connect
):
    first, second = two_processes
    item = scaled_world["item"]
    alice = connect(first, token=scaled_world["tokens"]["alice"])
    assert alice.call("join", {"item": item})["presence"]["online"] == 1
    bob_tabs = [connect(url, token=scaled_world["tokens"]["bob"]) for url in (second, first)]
    # The join on the second process is answered with the counts of both.
    assert bob_tabs[0].call("join", {"item": item})["presence"] == {
        "item": item,
        "online": 2,
        "by_group": {"civil_society": 1, "governments": 1},
    }
    assert bob_tabs[1].call("join", {"item": item})["presence"]["online"] == 2
    assert alice.wait_for("presence", lambda p: p["online"] == 2)["item"] == item

    # Either process pages the names of the sockets of both.
    for client in (alice, bob_tabs[0]):
        names = client.call("presence:members", {"item": item})
        assert [m["name"] for m in names["members"]] == ["Alice", "Bob"]

    # Bob's tab on the second process closes: his tab on the first keeps him online.
    bob_tabs[0].disconnect()
    assert [m["name"] for m in alice.call("presence:members", {"item": item})["members"]] == [
        "Alice",
        "Bob",
    ]
    bob_tabs[1].disconnect()
    presence = alice.wait_for("presence", lambda p: p["online"] == 1)
    assert presence["by_group"] == {"governments": 1}
