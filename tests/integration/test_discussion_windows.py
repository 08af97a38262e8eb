"""Threads that stay light: the item page and ``GET …/posts`` show a window of whole
threads, with cursors to the windows around it, plain links without JavaScript, and the
window holding any post one links to."""

import re

import pytest
from conftest import login, make_post

from commonground.db import db


@pytest.fixture
def threads(world):
    """25 threads, each a top-level post and one reply: ids 1, 2 (reply to 1), 3, 4 …"""
    authors = [world.memberships["delegate"], world.memberships["delegate2"]]
    made = []
    for number in range(25):
        root = make_post(world.item, authors[number % 2], f"Thread {number}")
        reply = make_post(world.item, authors[1 - number % 2], f"Reply {number}", parent=root)
        made.append((root.id, reply.id))
    db.session.commit()
    return made


def posts_url(world, query="") -> str:
    return f"/api/v1/items/{world.item.id}/posts{query}"


def window_of(client, world, query, role="delegate"):
    response = client.get(posts_url(world, query), headers=world.headers(role))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- the API ----------------------------------------------------------------------------------


def test_the_api_gives_the_newest_threads_with_their_replies_and_says_older_ones_exist(
    client, world, threads
):
    answer = window_of(client, world, "?limit=10")
    roots = [root for root, _ in threads[-10:]]
    assert [p["id"] for p in answer["items"]] == [i for pair in threads[-10:] for i in pair]
    assert answer["window"] == {
        "threads": 10,
        "first_thread": roots[0],
        "last_thread": roots[-1],
        "has_older": True,
        "has_newer": False,
        "older": {"before": roots[0]},
        "newer": None,
    }


def test_following_the_older_cursor_reads_every_post_once_back_to_the_first(client, world, threads):
    seen, query, windows = [], "?limit=10", 0
    while True:
        answer = window_of(client, world, query)
        windows += 1
        seen = [p["id"] for p in answer["items"]] + seen
        if not answer["window"]["has_older"]:
            break
        query = f"?limit=10&before={answer['window']['older']['before']}"
    assert windows == 3
    assert seen == [i for pair in threads for i in pair]
    assert answer["window"]["newer"] == {"from": threads[4][0] + 1}


def test_following_the_newer_cursor_from_the_first_thread_reads_every_post_once(
    client, world, threads
):
    seen, query = [], "?limit=7&from=1"
    while True:
        answer = window_of(client, world, query)
        seen += [p["id"] for p in answer["items"]]
        if not answer["window"]["has_newer"]:
            break
        query = f"?limit=7&from={answer['window']['newer']['from']}"
    assert seen == [i for pair in threads for i in pair]
    assert answer["window"]["has_older"] and answer["window"]["older"]["before"] == threads[21][0]


def test_around_a_reply_gives_the_window_with_its_thread_in_the_middle(client, world, threads):
    _, reply = threads[3]
    answer = window_of(client, world, f"?limit=5&around={reply}")
    assert answer["window"]["first_thread"] == threads[1][0]
    assert answer["window"]["last_thread"] == threads[5][0]
    assert reply in [p["id"] for p in answer["items"]]
    assert answer["window"]["older"] == {"before": threads[1][0]}
    assert answer["window"]["newer"] == {"from": threads[5][0] + 1}


def test_around_the_newest_post_is_the_newest_window(client, world, threads):
    newest = window_of(client, world, "?limit=5")
    around = window_of(client, world, f"?limit=5&around={threads[-1][1]}")
    assert around == newest


def test_after_alone_still_catches_up_with_every_newer_post_uncut(client, world, threads):
    answer = window_of(client, world, "?after=3&limit=")
    assert [p["id"] for p in answer["items"]] == list(range(4, 51))
    assert answer["window"] is None
    # With a window, only the window's posts newer than ``after``.
    answer = window_of(client, world, "?after=47&limit=10")
    assert [p["id"] for p in answer["items"]] == [48, 49, 50]
    assert answer["window"]["threads"] == 10


def test_a_window_stops_adding_threads_past_the_post_budget_but_keeps_one(
    app, client, world, threads
):
    big = make_post(world.item, world.memberships["delegate"], "A long thread")
    for number in range(8):
        make_post(world.item, world.memberships["delegate2"], f"Answer {number}", parent=big)
    db.session.commit()
    app.config["THREAD_WINDOW_POSTS"] = 5
    answer = window_of(client, world, "")
    assert answer["window"]["threads"] == 1 and len(answer["items"]) == 9
    answer = window_of(client, world, f"?before={big.id}")
    assert answer["window"]["threads"] == 2 and len(answer["items"]) == 4


def test_a_long_post_weighs_in_the_budget_as_several(app, client, world, threads):
    big = make_post(world.item, world.memberships["delegate"], "A thread of long answers")
    for _ in range(2):
        make_post(world.item, world.memberships["delegate2"], "word " * 820, parent=big)
    db.session.commit()
    app.config["THREAD_WINDOW_POSTS"] = 8  # the thread weighs 1 + 3 + 3; the next one 2
    answer = window_of(client, world, "")
    assert answer["window"]["threads"] == 1 and len(answer["items"]) == 3
    app.config["THREAD_WINDOW_POSTS"] = 9
    assert window_of(client, world, "")["window"]["threads"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "?before=abc",
        "?before=0",
        "?before=-3",
        "?from=1.5",
        "?around=x",
        "?limit=0",
        "?limit=501",
        "?before=9999999999999",
        "?before=5&from=2",
        "?from=5&around=2",
    ],
)
def test_a_bad_cursor_is_refused_with_a_json_422(client, world, threads, query):
    response = client.get(posts_url(world, query), headers=world.headers("delegate"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"


def test_around_a_post_of_another_item_is_not_found(client, world, threads):
    response = client.get(posts_url(world, "?around=999"), headers=world.headers("delegate"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("outsider", 403)])
def test_a_window_says_nothing_to_who_may_not_read(client, world, threads, role, status):
    for query in ("?around=3", "?around=999", "?before=abc"):
        response = client.get(posts_url(world, query), headers=world.headers(role))
        assert response.status_code == status


@pytest.mark.parametrize("role", ["observer", "delegate", "moderator", "admin"])
def test_every_reader_gets_the_same_window(client, world, threads, role):
    answer = window_of(client, world, "?limit=10", role)
    assert len(answer["items"]) == 20 and answer["window"]["has_older"]


# --- the page, without JavaScript -------------------------------------------------------------


def item_path(world) -> str:
    return f"/d/{world.deliberation.slug}/items/{world.item.id}"


def post_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-post-id="(\d+)"', html)]


def link(html: str, direction: str) -> str | None:
    """The href of the page's "Older posts" / "Newer posts" link, if any."""
    match = re.search(rf'id="discussion-{direction}"[^>]*>\s*<a href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def reader(app, world):
    app.config["THREAD_WINDOW_THREADS"] = 10
    client = app.test_client()
    login(client, "delegate@example.org")
    return client


def test_the_page_links_older_and_newer_posts_and_shows_every_post_through_them(
    reader, world, threads
):
    html = reader.get(item_path(world)).get_data(as_text=True)
    assert post_ids(html) == [i for pair in threads[-10:] for i in pair]
    assert "50 posts" in html
    assert link(html, "newer") is None
    seen = post_ids(html)
    while older := link(html, "older"):
        assert older.startswith(item_path(world) + "?before=")
        assert older.endswith("#discussion-newer")
        html = reader.get(older).get_data(as_text=True)
        seen = post_ids(html) + seen
        assert link(html, "newer")
    assert seen == [i for pair in threads for i in pair]
    # And forward again, from the oldest window, to the newest.
    while newer := link(html, "newer"):
        html = reader.get(newer).get_data(as_text=True)
    assert post_ids(html)[-1] == threads[-1][1]


def test_a_link_to_an_old_post_shows_the_window_holding_it(reader, world, threads):
    _, reply = threads[7]
    for query in (f"?around={reply}", f"?focus={reply}", f"?reply_to={reply}"):
        html = reader.get(item_path(world) + query).get_data(as_text=True)
        assert reply in post_ids(html), query
        assert post_ids(html)[0] == threads[3][0]
        assert link(html, "older") and link(html, "newer")
    assert f'id="reply-{reply}"' in html  # the reply form under the old post


def test_replying_to_an_old_post_without_javascript_lands_on_the_reply(reader, world, threads):
    from conftest import csrf_token

    root, _ = threads[1]
    token = csrf_token(reader, item_path(world) + f"?reply_to={root}")
    response = reader.post(
        f"{item_path(world)}/posts",
        data={"body": "A late answer", "parent": root, "csrf_token": token},
    )
    assert response.status_code == 303
    html = reader.get(response.headers["Location"]).get_data(as_text=True)
    assert "A late answer" in html


def test_a_page_with_a_cursor_it_cannot_use_shows_the_newest_threads(reader, world, threads):
    for query in ("?before=abc", "?around=999", "?before=3&from=5"):
        response = reader.get(item_path(world) + query)
        assert response.status_code == 200
        assert post_ids(response.get_data(as_text=True))[-1] == threads[-1][1]


def test_the_page_keeps_its_window_in_the_links_of_its_forms(reader, world, threads):
    html = reader.get(item_path(world) + f"?before={threads[10][0]}").get_data(as_text=True)
    assert f'name="next" value="{item_path(world)}?before={threads[10][0]}"' in html


def test_the_fragment_of_a_window_holds_its_posts_and_links(reader, world, threads):
    before = threads[15][0]
    response = reader.get(f"{item_path(world)}/posts?before={before}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert post_ids(html) == [i for pair in threads[5:15] for i in pair]
    assert f"before={threads[5][0]}" in link(html, "older")
    assert f"from={threads[14][0] + 1}" in link(html, "newer")
    assert 'id="discussion-count"' in html
    assert "<html" not in html


def test_a_language_absent_from_the_window_but_not_from_the_thread_says_so(reader, world, threads):
    french = make_post(world.item, world.memberships["delegate"], "Un fil ancien.", language="fr")
    french.created_at = french.created_at.replace(year=2020)
    db.session.commit()
    # The French post is the newest thread by id; an older window holds no French post.
    html = reader.get(item_path(world) + f"?post_language=fr&before={threads[5][0]}").get_data(
        as_text=True
    )
    assert post_ids(html) == []
    assert link(html, "newer") and link(html, "newer").count("post_language=fr") == 1
    assert "older or newer posts may be" in html
    assert "No post is written in or translated into this language yet." not in html
    # A language with no post anywhere still says so plainly.
    html = reader.get(item_path(world) + "?post_language=es").get_data(as_text=True)
    assert "No post is written in or translated into this language yet." in html
