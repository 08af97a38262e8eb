"""The discussion's queries on PostgreSQL: thread order under its collation, catch-up by id
and by time, and posts racing for one item. Skipped when PostgreSQL is not reachable."""

import random
import threading
from datetime import timedelta

import pytest
from conftest import make_deliberation, make_group, make_item, make_member, make_user

from commonground.db import db, utcnow
from commonground.discussion import queries, services

pytestmark = pytest.mark.postgres


@pytest.fixture
def forum(pg_app):
    deliberation = make_deliberation("pg-forum")
    group = make_group(deliberation, "governments")
    users = [make_user(f"d{n}@example.org", f"Delegate {n}") for n in range(3)]
    for user in users:
        make_member(user, deliberation, "delegate", group)
    moderator = make_user("mod@example.org", "Moderator")
    make_member(moderator, deliberation, "moderator")
    item = make_item(deliberation, "On PostgreSQL")
    db.session.commit()
    return {"app": pg_app, "users": users, "moderator": moderator, "item": item}


def test_the_thread_reads_in_thread_order_on_postgresql(forum):
    rng = random.Random(3)
    item, users = forum["item"], forum["users"]
    created = []
    for n in range(60):
        parent = rng.choice([None, *created[-10:]]) if created else None
        post = services.create_post(
            rng.choice(users), item, body=f"Post {n}", parent=parent, rate_limited=False
        )
        created.append(post.id)
    db.session.commit()
    thread = queries.read_thread(users[0], item)
    paths = [post.path for post in thread.posts]
    assert paths == sorted(paths) and len(paths) == 60
    # Each post comes after its parent.
    position = {post.id: index for index, post in enumerate(thread.posts)}
    assert all(position[p.parent] < position[p.id] for p in thread.posts if p.parent)


def test_catch_up_by_id_and_by_time_on_postgresql(forum):
    item, (alice, bob, _), moderator = forum["item"], forum["users"], forum["moderator"]
    first = services.create_post(alice, item, body="First", rate_limited=False)
    second = services.create_post(bob, item, body="Second", rate_limited=False)
    db.session.commit()
    since = utcnow() - timedelta(milliseconds=1)
    services.hide_post(moderator, first, reason="Off topic")
    services.translate_post(alice, second, language="fr", body="Deuxième", rate_limited=False)
    third = services.create_post(bob, item, body="Third", rate_limited=False)
    db.session.commit()
    reader = queries.reader_for(alice, item.deliberation)
    changed = queries.load_post_views(item.id, reader, after=third.id - 1, changed_since=since)
    assert [p.id for p in changed] == [first.id, second.id, third.id]
    assert changed[0].hidden and changed[0].body.startswith("Hidden by moderator")
    assert changed[1].translations["fr"].body == "Deuxième"


def test_concurrent_posts_in_one_item_get_ids_in_commit_order(forum):
    """The item row lock makes "posts with an id above N" a gapless catch-up."""
    app, item_id = forum["app"], forum["item"].id
    user_ids = [user.id for user in forum["users"]]
    commits: list[int] = []
    lock = threading.Lock()

    def poster(user_id: int):
        from commonground.accounts.models import User
        from commonground.deliberations.models import AgendaItem

        with app.app_context():
            for n in range(10):
                user = db.session.get(User, user_id)
                item = db.session.get(AgendaItem, item_id)
                post = services.create_post(user, item, body=f"{user_id}-{n}", rate_limited=False)
                post_id = post.id
                with lock:
                    db.session.commit()
                    commits.append(post_id)
            db.session.remove()

    threads = [threading.Thread(target=poster, args=(user_id,)) for user_id in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(commits) == 30
    assert commits == sorted(commits)


def test_windows_of_threads_on_postgresql(forum):
    """Thread sizes (a long post weighing more), cursors and totals by language, in SQL."""
    item, users = forum["item"], forum["users"]
    roots = []
    for n in range(12):
        root = services.create_post(users[n % 3], item, body=f"Thread {n}", rate_limited=False)
        services.create_post(
            users[(n + 1) % 3], item, body="long " * 900, parent=root.id, rate_limited=False
        )
        roots.append(root.id)
    db.session.commit()
    newest = queries.thread_window(item.id, threads=5, posts=100)
    assert (newest.first, newest.last, newest.older, newest.newer) == (
        roots[7],
        roots[11],
        roots[7],
        None,
    )
    # Each thread weighs 1 + 3 (a reply of 4,500 characters): 10 fit in 40.
    assert queries.thread_window(item.id, threads=100, posts=40).threads == 10
    around = queries.thread_window(item.id, around=roots[2] + 1, threads=3, posts=100)
    assert (around.first, around.last) == (roots[1], roots[3])
    posts = queries.read_thread(users[0], item, window=around).posts
    assert [p.id for p in posts] == [
        roots[1],
        roots[1] + 1,
        roots[2],
        roots[2] + 1,
        roots[3],
        roots[3] + 1,
    ]
    totals = queries.thread_totals(item, queries.reader_for(users[0], item.deliberation))
    assert totals.posts == 24 and totals.last_post_id == roots[11] + 1
    assert totals.languages == {"en": 24}
