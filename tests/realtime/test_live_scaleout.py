"""Two server processes sharing PostgreSQL and Redis serve one live session: a change made
through either reaches the sockets of both, and both read the identical state (DESIGN §5,
§9). Skipped, saying why, when PostgreSQL or Redis is not reachable."""

import os
import socket
import subprocess
import sys
import time
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
from commonground.live.state import comparable

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
SLUG = "scale-2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def pg_world(pg_app):
    """A deliberation on PostgreSQL: a moderator and two delegates of different groups."""
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    deliberation = make_deliberation(SLUG, scheme="groups")
    gov = make_group(deliberation, "governments", share=2, position=0)
    civ = make_group(deliberation, "civil_society", share=1, position=1)
    people = {
        "moderator": make_member(
            make_user("chair@example.org", "Cha Chair"), deliberation, "moderator"
        ),
        "gov": make_member(make_user("gov@example.org", "Gus Gov"), deliberation, "delegate", gov),
        "civ": make_member(make_user("civ@example.org", "Cid Civ"), deliberation, "delegate", civ),
    }
    item = make_item(deliberation, "The item")
    tokens = {role: make_token(m.user) for role, m in people.items()}
    db.session.commit()
    return {
        "url": pg_app.config["SQLALCHEMY_DATABASE_URI"],
        "item": item.id,
        "members": {role: m.id for role, m in people.items()},
        "tokens": tokens,
    }


@pytest.fixture
def two_processes(pg_world):
    """Two `python app.py` processes on PostgreSQL + Redis; their base URLs."""
    started = []
    urls = []
    for _ in range(2):
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": pg_world["url"],
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "scale-out-test",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "AUTO_MIGRATE": "0",
            "DEMO": "0",
        }
        process = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_until_healthy(url)
        yield urls
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become healthy")


def session_of(url: str, token: str) -> dict:
    response = requests.get(
        f"{url}/api/v1/deliberations/{SLUG}/session",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_two_processes_share_one_session(two_processes, pg_world, connect):
    first, second = two_processes
    tokens, members, item = pg_world["tokens"], pg_world["members"], pg_world["item"]

    chair = connect(first, token=tokens["moderator"])
    gus = connect(second, token=tokens["gov"])
    cid = connect(second, token=tokens["civ"])
    for client in (chair, gus, cid):
        assert client.call("session:join", {"deliberation": SLUG})["ok"]

    # Presence lives in Redis: the chair on the first process sees the second's sockets.
    presence = chair.wait_for("session:presence", lambda p: p["online"] == 3)
    assert presence["by_group"] == {"civil_society": 1, "governments": 1}

    # A change on the first process reaches the sockets of the second.
    assert chair.call("session:current", {"item": item})["ok"]
    assert chair.call("round:start", {"title": "Across processes", "seconds": 120})["ok"]
    for client in (gus, cid):
        state = client.wait_for("session:state", lambda s: s["round"] is not None)
        assert state["current_item"] == item

    # And the other way round.
    assert gus.call("floor:request", {"item": item})["ok"]
    assert cid.call("floor:request", {"item": item})["ok"]
    state = chair.wait_for("session:state", lambda s: len(s["queue"]) == 2)
    assert state["balanced_order"] == [members["gov"], members["civ"]]
    assert chair.call("floor:grant", {"member": members["civ"]})["ok"]
    assert gus.wait_for("floor:granted")["member"] == members["civ"]
    assert chair.call("announce", {"text": "One room, two servers"})["ok"]
    assert cid.wait_for("announcement")["text"] == "One room, two servers"

    # Both processes read the identical state from the database.
    seen_first = session_of(first, tokens["gov"])
    seen_second = session_of(second, tokens["civ"])
    assert comparable(seen_first) == comparable(seen_second)
    assert seen_first["speaker"] == members["civ"]
    assert [e["member"] for e in seen_first["queue"]] == [members["gov"]]
    late = connect(second, token=tokens["moderator"])
    ack = late.call("session:join", {"deliberation": SLUG})
    assert comparable(ack["state"]) == comparable(seen_first)
