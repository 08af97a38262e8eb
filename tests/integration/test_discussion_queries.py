"""Reading a thread costs the same number of SQL statements whatever its size (DESIGN §2)."""

import json
import random
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from conftest import login

from commonground.db import db, utcnow
from commonground.discussion.models import Post, PostTranslation
from commonground.discussion.rules import child_path


def build_thread(world, size: int, seed: int = 7) -> None:
    """``size`` posts by two delegates: replies at every depth, translations, hidden posts."""
    rng = random.Random(seed)
    authors = [world.memberships["delegate"].id, world.memberships["delegate2"].id]
    paths: dict[int, str] = {}
    rows, translations = [], []
    for post_id in range(1, size + 1):
        parent = rng.choice([None, None, *list(paths)[-20:]]) if paths else None
        paths[post_id] = child_path(paths[parent] if parent else None, post_id)
        hidden = post_id % 17 == 0
        rows.append(
            {
                "id": post_id,
                "item_id": world.item.id,
                "author_id": rng.choice(authors),
                "parent_id": parent,
                "path": paths[post_id],
                "body": f"Post **{post_id}**",
                "language": rng.choice(["en", "fr", "es"]),
                "created_at": utcnow(),
                "hidden": hidden,
                "hidden_reason": "Off topic" if hidden else None,
                "hidden_by_id": world.memberships["moderator"].id if hidden else None,
                "floor_intervention": False,
            }
        )
        if post_id % 5 == 0:
            translations.append(
                {
                    "post_id": post_id,
                    "language": "ar",
                    "body": f"ترجمة {post_id}",
                    "translator_id": authors[0],
                    "created_at": utcnow(),
                }
            )
    db.session.execute(sa.insert(Post), rows)
    if translations:
        db.session.execute(sa.insert(PostTranslation), translations)
    db.session.commit()


@contextmanager
def counted_statements():
    """Count every SQL statement sent to the database inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def statements_for(client, url: str, **kwargs) -> tuple[int, str]:
    """SQL statements of one request, after a first one has warmed up connections and
    once-a-minute bookkeeping (such as a token's last use)."""
    client.get(url, **kwargs)
    with counted_statements() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return len(statements), response.get_data(as_text=True)


def rebuild_thread(world, size: int) -> None:
    db.session.execute(sa.delete(PostTranslation))
    db.session.execute(sa.delete(Post))
    db.session.commit()
    build_thread(world, size)


@pytest.mark.parametrize("role", ["delegate", "moderator"])
def test_the_api_reads_a_whole_thread_of_10_or_1000_posts_in_the_same_number_of_queries(
    client, world, role
):
    # ``after=0``: every post newer than none, the whole thread (a catch-up is never cut).
    url = f"/api/v1/items/{world.item.id}/posts?after=0"
    build_thread(world, 10)
    small, body = statements_for(client, url, headers=world.headers(role))
    assert body.count('"path"') == 10
    rebuild_thread(world, 1000)
    large, body = statements_for(client, url, headers=world.headers(role))
    assert body.count('"path"') == 1000
    assert small == large, (small, large)
    print(f"\nAPI thread read as {role}: {large} SQL statements for 10 and for 1000 posts")


@pytest.mark.parametrize(
    ("in_10", "in_5000"),
    [
        ("", ""),
        ("before=8", "before=4000"),
        ("from=2", "from=2000"),
        ("around=5", "around=2500"),
        ("limit=7", "limit=7"),
    ],
)
def test_the_api_reads_a_window_of_10_or_5000_posts_in_the_same_number_of_queries(
    client, world, in_10, in_5000
):
    url = f"/api/v1/items/{world.item.id}/posts?"
    build_thread(world, 10)
    small, _ = statements_for(client, url + in_10, headers=world.headers("delegate"))
    rebuild_thread(world, 5000)
    large, body = statements_for(client, url + in_5000, headers=world.headers("delegate"))
    answer = json.loads(body)
    # At most 100 posts, unless one thread alone holds more (a window shows it whole).
    assert 0 < len(answer["items"]) <= 100 or answer["window"]["threads"] == 1
    assert small == large, (small, large)


@pytest.mark.parametrize("email", ["delegate@example.org", "mod@example.org"])
def test_the_item_page_shows_a_light_window_of_10_or_5000_posts_in_the_same_number_of_queries(
    client, world, email
):
    login(client, email)
    url = f"/d/{world.deliberation.slug}/items/{world.item.id}"
    build_thread(world, 10)
    small, page = statements_for(client, url)
    assert page.count("data-post-id=") == 10
    rebuild_thread(world, 5000)
    large, page = statements_for(client, url)
    assert 0 < page.count("data-post-id=") <= 100
    assert "5000 posts" in page
    assert len(page.encode()) <= 300 * 1024, len(page.encode())
    assert small == large, (small, large)
    print(f"\nitem page: {large} SQL statements for 10 and for 5000 posts")


def test_the_thread_query_orders_by_path_in_sql(client, world):
    build_thread(world, 50)
    with counted_statements() as statements:
        client.get(f"/api/v1/items/{world.item.id}/posts", headers=world.headers("delegate"))
    thread_queries = [s for s in statements if "FROM posts" in s and "ORDER BY posts.path" in s]
    assert thread_queries and "posts.path" in thread_queries[0].split("ORDER BY")[1]
