"""Ballots under concurrency, on SQLite and PostgreSQL (issue 4): parallel casts and changes
never make two rows, never lose a change, and never slip in after the close.

Each thread has its own test client, so each request runs in its own application context
with its own database session and connection — as in a multi-threaded server — against the
same database file (SQLite) or server (PostgreSQL).
"""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from test_voting_world import build_electorate, close, open_motion

from commonground.db import db
from commonground.voting.models import Ballot

MAJORITY = {"kind": "majority"}
CASTS = 36


def _in_parallel(app, jobs):
    """Run ``jobs`` (callables taking a test client) at once; return their results in order."""
    # The test's own session ends its transaction first: on SQLite an open one holds the
    # write lock (every transaction begins IMMEDIATE), as a request would until it ends.
    db.session.commit()
    start = threading.Barrier(len(jobs))

    def run(job):
        client = app.test_client()
        start.wait()
        return job(client)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _put(motion_id, voter, choice):
    def job(client):
        response = client.put(
            f"/api/v1/motions/{motion_id}/ballot", json={"choice": choice}, headers=voter.headers
        )
        return response.status_code, response.get_json()

    return job


def test_dozens_of_parallel_changes_by_one_delegate_leave_one_ballot(any_app):
    client = any_app.test_client()
    electorate = build_electorate("members", {"all": 1}, [("all", 3), ("all", 1)])
    motion_id = open_motion(client, electorate, MAJORITY)
    heavy = electorate.voters[0]
    rng = random.Random(7)
    choices = [rng.choice(["yes", "no", "abstain"]) for _ in range(CASTS)]

    answers = _in_parallel(any_app, [_put(motion_id, heavy, c) for c in choices])

    assert [status for status, _ in answers] == [200] * CASTS, answers
    db.session.rollback()
    rows = db.session.scalars(sa.select(Ballot).where(Ballot.motion_id == motion_id)).all()
    assert len(rows) == 1
    ballot = rows[0]
    # Every cast got its own place in the sequence: none lost, none counted twice.
    assert sorted(body["sequence"] for _, body in answers) == list(range(1, CASTS + 1))
    assert ballot.sequence == CASTS
    # The ballot holds the choice of the cast that came last, with that cast's receipt.
    last = next(body for _, body in answers if body["sequence"] == CASTS)
    assert (ballot.choice, ballot.receipt) == (last["choice"], last["receipt"])

    tally = client.get(f"/api/v1/motions/{motion_id}/tally", headers=electorate.moderator)
    body = tally.get_json()
    assert body[ballot.choice] == 3
    assert body["yes"] + body["no"] + body["abstain"] == 3
    assert (body["ballots"], body["casts"]) == (1, CASTS)


def test_parallel_first_casts_by_many_delegates_are_all_counted(any_app):
    client = any_app.test_client()
    weights = [1 + i % 4 for i in range(24)]
    electorate = build_electorate(
        "groups", {"a": 2, "b": 1}, [("a" if i % 3 else "b", w) for i, w in enumerate(weights)]
    )
    motion_id = open_motion(client, electorate, MAJORITY)
    choices = ["yes" if i % 2 else "no" for i in range(len(weights))]

    answers = _in_parallel(
        any_app, [_put(motion_id, v, c) for v, c in zip(electorate.voters, choices, strict=True)]
    )

    assert all(status == 200 for status, _ in answers), answers
    result = close(client, electorate, motion_id)
    assert result["ballots"] == len(weights)
    expected_yes = sum(w for w, c in zip(weights, choices, strict=True) if c == "yes")
    assert (result["yes"], result["no"]) == (expected_yes, sum(weights) - expected_yes)


def test_no_ballot_slips_in_after_a_concurrent_close(any_app):
    client = any_app.test_client()
    electorate = build_electorate("members", {"all": 1}, [("all", 1)] * 20)
    motion_id = open_motion(client, electorate, MAJORITY)

    def closer(client):
        response = client.post(f"/api/v1/motions/{motion_id}/close", headers=electorate.moderator)
        return response.status_code, response.get_json()

    jobs = [_put(motion_id, voter, "yes") for voter in electorate.voters]
    jobs.insert(len(jobs) // 2, closer)
    answers = _in_parallel(any_app, jobs)

    closing = answers.pop(len(jobs) // 2)
    assert closing[0] == 200
    result = closing[1]["result"]
    accepted = [body for status, body in answers if status == 200]
    refused = [body for status, body in answers if status != 200]
    assert all(body["error"]["code"] == "motion_not_open" for body in refused), refused
    # Every accepted ballot is in the frozen result, and nothing else is in the database.
    assert result["ballots"] == result["yes"] == len(accepted)
    db.session.rollback()
    stored = db.session.scalar(
        sa.select(sa.func.count(Ballot.id)).where(Ballot.motion_id == motion_id)
    )
    assert stored == len(accepted)
