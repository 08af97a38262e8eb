"""The live session under concurrency, on SQLite and PostgreSQL: parallel requests for the
floor never queue a member twice, parallel first uses of a session make one session row, and
the audit chain stays intact — the deliberation's row lock makes the session's writers take
turns, in one process or many.

Each thread has its own test client, so each request runs in its own application context
with its own database session and connection, as in a multi-threaded server.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from conftest import make_deliberation, make_group, make_item, make_member, make_token, make_user

from commonground.db import db
from commonground.live.models import Announcement, FloorRequest, SessionState
from commonground.records.audit import verify_deliberation_chain

SLUG = "busy-2026"
DELEGATES = 8


@pytest.fixture
def busy(any_app):
    """A deliberation with a moderator and eight delegates in two groups; bearer headers."""
    deliberation = make_deliberation(SLUG, scheme="groups")
    groups = [make_group(deliberation, "a", 1, 0), make_group(deliberation, "b", 1, 1)]
    moderator = make_member(make_user("chair@example.org"), deliberation, "moderator")
    delegates = [
        make_member(make_user(f"d{n}@example.org"), deliberation, "delegate", groups[n % 2])
        for n in range(DELEGATES)
    ]
    item = make_item(deliberation, "The item")
    headers = {
        "moderator": {"Authorization": f"Bearer {make_token(moderator.user)}"},
        "delegates": [{"Authorization": f"Bearer {make_token(d.user)}"} for d in delegates],
    }
    db.session.commit()
    return {
        "app": any_app,
        "deliberation": deliberation,
        "item": item.id,
        "delegates": [d.id for d in delegates],
        "headers": headers,
    }


def in_parallel(app, jobs):
    """Run ``jobs`` (callables taking a test client) at once; their results in order."""
    db.session.commit()  # the test's own transaction would hold SQLite's write lock
    start = threading.Barrier(len(jobs))

    def run(job):
        client = app.test_client()
        start.wait()
        return job(client)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def post(path, body, headers):
    def job(client):
        response = client.post(f"/api/v1/deliberations/{SLUG}{path}", json=body, headers=headers)
        return response.status_code, response.get_json()

    return job


def test_parallel_first_uses_of_a_session_make_one_session_row(busy):
    moderator = busy["headers"]["moderator"]
    answers = in_parallel(
        busy["app"],
        [
            post("/session/current", {"item": busy["item"]}, moderator),
            post("/session/round/start", {"seconds": 60}, moderator),
            post("/session/announcements", {"text": "One"}, moderator),
            post("/session/announcements", {"text": "Two"}, moderator),
        ],
    )
    assert sorted(status for status, _ in answers) == [200, 200, 201, 201], answers
    db.session.rollback()
    rows = db.session.scalars(sa.select(SessionState)).all()
    assert len(rows) == 1
    assert rows[0].current_item_id == busy["item"] and rows[0].round_ends_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 2
    assert verify_deliberation_chain(busy["deliberation"]) is None


def test_parallel_requests_of_one_member_queue_them_once(busy):
    client = busy["app"].test_client()
    response = client.post(
        f"/api/v1/deliberations/{SLUG}/session/current",
        json={"item": busy["item"]},
        headers=busy["headers"]["moderator"],
    )
    assert response.status_code == 200
    one = busy["headers"]["delegates"][0]
    answers = in_parallel(
        busy["app"], [post("/session/floor/request", {"item": busy["item"]}, one)] * 10
    )
    assert [status for status, _ in answers] == [200] * 10, answers
    db.session.rollback()
    requests = db.session.scalars(sa.select(FloorRequest)).all()
    assert [(r.membership_id, r.status) for r in requests] == [(busy["delegates"][0], "waiting")]


def test_parallel_requests_of_many_members_all_queue_in_one_intact_chain(busy):
    client = busy["app"].test_client()
    client.post(
        f"/api/v1/deliberations/{SLUG}/session/current",
        json={"item": busy["item"]},
        headers=busy["headers"]["moderator"],
    )
    answers = in_parallel(
        busy["app"],
        [
            post("/session/floor/request", {"item": busy["item"]}, headers)
            for headers in busy["headers"]["delegates"]
        ],
    )
    assert [status for status, _ in answers] == [200] * DELEGATES, answers
    final = client.get(
        f"/api/v1/deliberations/{SLUG}/session", headers=busy["headers"]["moderator"]
    ).get_json()
    assert sorted(e["member"] for e in final["queue"]) == sorted(busy["delegates"])
    assert len(set(final["balanced_order"])) == DELEGATES
    db.session.rollback()
    assert verify_deliberation_chain(busy["deliberation"]) is None
