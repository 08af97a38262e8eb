"""The running sums of ballots (issue 15): kept in each cast's own transaction, they always
equal a full recount of the ballots — after any sequence of casts and changes, on SQLite and
PostgreSQL, and under concurrent casts on PostgreSQL — and the live tally read from them
equals the frozen result that closing recounts.
"""

import random

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_voting_concurrency import _in_parallel, _put
from test_voting_world import build_electorate, close, open_motion

from commonground.accounts.models import User
from commonground.db import db
from commonground.transactions import in_transaction
from commonground.voting import queries, services
from commonground.voting.models import BallotSum, Motion
from commonground.voting.rules import CHOICES

CONSENSUS = {"kind": "consensus", "threshold": "1/2"}
DELEGATES = [("gov", 2), ("gov", 1), ("emp", 3), ("emp", 1), ("wrk", 1), ("wrk", 5)]


def assert_close_freezes_the_live_tally(client, electorate, motion_id: int) -> None:
    """The result frozen by closing (a full recount) holds the figures of the live tally
    (the running sums) read just before."""
    live = client.get(f"/api/v1/motions/{motion_id}/tally", headers=electorate.moderator)
    result = close(client, electorate, motion_id)
    ignored = {"receipts_digest", "status"}
    assert {k: v for k, v in result.items() if k not in ignored} == {
        k: v for k, v in live.get_json().items() if k not in ignored
    }


def new_electorate():
    """Six delegates of weights 1–5 in three groups of shares 2, 1, 1."""
    return build_electorate("groups", {"gov": 2, "emp": 1, "wrk": 1}, DELEGATES)


def sums_equal_recount(motion_id: int) -> tuple:
    """The running sums and the recount of the motion, as comparable values."""
    db.session.rollback()
    motion = db.session.get(Motion, motion_id)
    running, casts = queries.running_sums(motion)
    recounted, recounted_casts = queries.recounted_sums(motion)
    # End the read: on SQLite an open transaction holds the write lock.
    db.session.rollback()
    return (sorted(running), casts), (sorted(recounted), recounted_casts)


#: One cast: which of the DELEGATES, and their choice.
a_cast = st.tuples(
    st.integers(0, len(DELEGATES) - 1), st.sampled_from(["yes", "no", "abstain", "block"])
)
casts_strategy = st.lists(a_cast, max_size=25)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(casts=casts_strategy)
def test_running_sums_equal_a_recount_after_any_sequence_of_casts(any_app, casts):
    client = any_app.test_client()
    electorate = new_electorate()
    motion_id = open_motion(client, electorate, CONSENSUS)
    users = [db.session.get(User, voter.user_id) for voter in electorate.voters]

    for index, choice in casts:
        in_transaction(
            lambda index=index, choice=choice: services.cast_ballot(
                users[index], db.session.get(Motion, motion_id), choice
            )
        )
        running, recounted = sums_equal_recount(motion_id)
        assert running == recounted

    assert_close_freezes_the_live_tally(client, electorate, motion_id)


def test_every_group_and_choice_has_a_sum_from_the_opening(any_app):
    client = any_app.test_client()
    electorate = new_electorate()
    motion_id = open_motion(client, electorate, CONSENSUS)

    rows = db.session.execute(
        sa.select(BallotSum.group_key, BallotSum.choice, BallotSum.ballots).where(
            BallotSum.motion_id == motion_id
        )
    ).all()
    assert sorted(rows) == sorted(
        (key, choice, 0) for key in ("gov", "emp", "wrk") for choice in CHOICES
    )
    assert queries.voter_count(db.session.get(Motion, motion_id)) == len(DELEGATES)


def test_a_secret_motion_reads_only_the_count_from_its_sums_while_open(any_app):
    client = any_app.test_client()
    electorate = new_electorate()
    motion_id = open_motion(client, electorate, CONSENSUS, secret=True)
    for voter, choice in zip(electorate.voters, ["yes", "no", "yes"], strict=False):
        client.put(
            f"/api/v1/motions/{motion_id}/ballot", json={"choice": choice}, headers=voter.headers
        )
    client.put(
        f"/api/v1/motions/{motion_id}/ballot",
        json={"choice": "abstain"},
        headers=electorate.voters[0].headers,
    )

    tally = client.get(f"/api/v1/motions/{motion_id}/tally", headers=electorate.moderator)
    body = tally.get_json()
    assert (body["ballots"], body["casts"]) == (3, 4)
    assert "yes" not in body and "groups" not in body
    result = close(client, electorate, motion_id)
    assert (result["yes"], result["no"], result["abstain"]) == (3, 1, 2)


@pytest.mark.postgres
def test_concurrent_casts_and_changes_keep_the_sums_exact_on_postgres(pg_app):
    client = pg_app.test_client()
    delegates = [(("gov", "emp", "wrk")[i % 3], 1 + i % 5) for i in range(30)]
    electorate = build_electorate("groups", {"gov": 2, "emp": 1, "wrk": 1}, delegates)
    motion_id = open_motion(client, electorate, CONSENSUS)
    rng = random.Random(15)
    jobs = [
        _put(motion_id, rng.choice(electorate.voters), rng.choice(["yes", "no", "block"]))
        for _ in range(90)
    ]

    answers = _in_parallel(pg_app, jobs)

    assert all(status == 200 for status, _ in answers), answers
    running, recounted = sums_equal_recount(motion_id)
    assert running == recounted
    assert running[1] == 90
    assert_close_freezes_the_live_tally(client, electorate, motion_id)


def test_the_migration_backfills_the_sums_from_existing_ballots(any_app):
    import flask_migrate

    client = any_app.test_client()
    electorate = new_electorate()
    open_id = open_motion(client, electorate, CONSENSUS)
    closed_id = open_motion(client, electorate, CONSENSUS, secret=True)
    rng = random.Random(4)
    for motion_id in (open_id, closed_id):
        for _ in range(20):
            voter = rng.choice(electorate.voters)
            choice = rng.choice(["yes", "no", "abstain", "block"])
            client.put(
                f"/api/v1/motions/{motion_id}/ballot",
                json={"choice": choice},
                headers=voter.headers,
            )
    close(client, electorate, closed_id)
    before = {motion_id: sums_equal_recount(motion_id)[0] for motion_id in (open_id, closed_id)}
    db.session.remove()

    flask_migrate.downgrade(revision="f79f41aa58a7")
    flask_migrate.upgrade()

    for motion_id in (open_id, closed_id):
        running, recounted = sums_equal_recount(motion_id)
        assert running == recounted == before[motion_id]
    motion = db.session.get(Motion, open_id)
    assert queries.voter_count(motion) == len(DELEGATES)
    assert [group.eligible_weight for group in queries.snapshot_groups(motion)] == [3, 4, 6]
    db.session.rollback()
