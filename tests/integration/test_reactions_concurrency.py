"""Reactions under concurrency, on SQLite and PostgreSQL: members reacting to one post at
once are all counted, and one member's simultaneous changes leave one reaction — each
request in its own application context, session and connection, as in a threaded server."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from conftest import make_deliberation, make_group, make_item, make_member, make_token, make_user

from commonground.db import db, utcnow
from commonground.discussion.models import Post, Reaction
from commonground.discussion.rules import child_path

MEMBERS = 12


@pytest.fixture
def crowd(any_app):
    """An open item with one post and MEMBERS delegates in two groups, with tokens."""
    deliberation = make_deliberation("crowd", scheme="groups")
    groups = [
        make_group(deliberation, "north", position=0),
        make_group(deliberation, "south", position=1),
    ]
    item = make_item(deliberation, "Crowded item")
    tokens, members = [], []
    for n in range(MEMBERS):
        user = make_user(f"member{n}@example.org")
        members.append(make_member(user, deliberation, "delegate", groups[n % 2]))
        tokens.append(make_token(user))
    post = Post(
        item_id=item.id,
        author_id=members[0].id,
        body="Shared",
        language="en",
        path="",
        created_at=utcnow(),
    )
    db.session.add(post)
    db.session.flush()
    post.path = child_path(None, post.id)
    db.session.commit()
    return any_app, post.id, tokens


def in_parallel(app, jobs):
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    start = threading.Barrier(len(jobs))

    def run(job):
        client = app.test_client()
        start.wait()
        return job(client)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def put(post_id, token, stance):
    def job(client):
        response = client.put(
            f"/api/v1/posts/{post_id}/reaction",
            json={"stance": stance},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, response.get_json()

    return job


def test_members_reacting_at_once_are_all_counted(crowd):
    app, post_id, tokens = crowd
    results = in_parallel(app, [put(post_id, token, "agree") for token in tokens])
    assert [status for status, _ in results] == [200] * MEMBERS
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Reaction.id))) == MEMBERS
    # Reactions take turns per post: the last to commit saw every other one.
    assert max(body["reactions"]["agree"] for _, body in results) == MEMBERS
    counts = (
        app.test_client()
        .get(f"/api/v1/posts/{post_id}/reaction", headers={"Authorization": f"Bearer {tokens[0]}"})
        .get_json()["reactions"]
    )
    assert [g["agree"] for g in counts["groups"]] == [MEMBERS // 2, MEMBERS // 2]


def test_one_members_simultaneous_changes_leave_one_reaction(crowd):
    app, post_id, tokens = crowd
    stances = ["agree", "disagree", "pass"] * 4
    results = in_parallel(app, [put(post_id, tokens[0], stance) for stance in stances])
    assert all(status == 200 for status, _ in results), results
    db.session.rollback()
    rows = db.session.execute(sa.select(Reaction.stance)).scalars().all()
    assert len(rows) == 1 and rows[0] in stances
