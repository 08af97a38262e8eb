"""The fragments a live page fetches when the socket says something changed: posts
(``GET /d/<slug>/items/<id>/posts?ids=…``) and reaction counts
(``GET /d/<slug>/items/<id>/reactions?ids=…``), rendered for the reader by the macros of the
page itself, behind the page's own access rules."""

import re

import pytest
from conftest import ROLES, counted_statements, login, make_item, make_post

from commonground.db import db, utcnow
from commonground.discussion.models import Post, PostTranslation
from commonground.discussion.rules import COLLAPSE_DEPTH, MAX_NESTING

EMAILS = {
    "observer": "observer@example.org",
    "delegate": "delegate@example.org",
    "delegate2": "delegate2@example.org",
    "moderator": "mod@example.org",
    "other_moderator": "othermod@example.org",
    "admin": "admin@example.org",
    "outsider": "outsider@example.org",
}


def signed_in(app, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, EMAILS[role])
    return client


def add_post(world, body, parent=None, author="delegate", item=None, **columns) -> Post:
    """A post of ``author`` (a role) in the world's item (or ``item``), committed."""
    post = make_post(item or world.item, world.memberships[author], body, parent, **columns)
    db.session.commit()
    return post


def chain(world, depth: int, top: Post | None = None) -> list[Post]:
    """A top-level post (or ``top``) and a reply to each reply, ``depth`` deep."""
    posts = [top or add_post(world, "Depth 0")]
    for level in range(1, depth + 1):
        posts.append(add_post(world, f"Depth {level}", posts[-1], author="delegate2"))
    return posts


def item_path(world, item=None) -> str:
    return f"/d/{world.deliberation.slug}/items/{(item or world.item).id}"


def fetch_posts(client, world, ids, **query):
    query = "".join(f"&{name}={value}" for name, value in query.items())
    return client.get(f"{item_path(world)}/posts?ids={','.join(map(str, ids))}{query}")


def fetch_reactions(client, world, ids, view=""):
    return client.get(f"{item_path(world)}/reactions?ids={','.join(map(str, ids))}&view={view}")


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    # Each rendering signs its own CSRF token: the same session, a different signature.
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', response.text)


def element(html: str, start_tag: str, end_tag: str) -> str:
    """From ``start_tag`` to the first ``end_tag`` after it (both included)."""
    start = html.index(start_tag)
    return html[start : html.index(end_tag, start) + len(end_tag)]


def article(html: str, post_id: int) -> str:
    start = html.index(f'id="post-{post_id}"')
    return element(html[start:], "<article", "</article>")


def react(client, world, post, role, stance):
    response = client.put(
        f"/api/v1/posts/{post.id}/reaction", json={"stance": stance}, headers=world.headers(role)
    )
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def thread(app, client, world):
    """A thread with something of everything: replies at every depth, a hidden post, a
    translated one, an edited one, a floor intervention, reactions."""
    posts = chain(world, MAX_NESTING + 2)
    hidden = add_post(world, "Rude", posts[0], hidden=True, hidden_reason="Off topic")
    translated = add_post(world, "Hello all", posts[1], author="delegate2")
    db.session.add(
        PostTranslation(
            post_id=translated.id,
            language="fr",
            body="Bonjour à tous",
            translator_id=world.memberships["delegate"].id,
            created_at=utcnow(),
        )
    )
    edited = add_post(world, "Second thoughts", edited_at=utcnow())
    spoken = add_post(world, "Spoken", author="moderator", floor_intervention=True)
    db.session.commit()
    react(client, world, posts[0], "delegate2", "agree")
    react(client, world, posts[0], "moderator", "pass")
    react(client, world, edited, "delegate", "disagree")
    return [*posts, hidden, translated, edited, spoken]


# --- posts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["observer", "delegate", "delegate2", "moderator", "admin"])
def test_a_fetched_post_is_the_post_of_the_page_for_every_reader(app, world, thread, role):
    client = signed_in(app, role)
    page = html_of(client.get(item_path(world)))
    fetched = html_of(fetch_posts(client, world, [post.id for post in thread]))
    for post in thread:
        assert article(fetched, post.id) == article(page, post.id), post.body
    # A post without replies is the same list item, to the last attribute.
    leaf = f'<li class="post-node" id="post-{thread[-1].id}"'
    assert element(fetched, leaf, "</li>") == element(page, leaf, "</li>")


def test_with_a_language_filter_posts_come_as_the_filtered_page_shows_them(app, world, thread):
    client = signed_in(app, "observer")
    page = html_of(client.get(f"{item_path(world)}?post_language=fr"))
    translated = next(post for post in thread if post.body == "Hello all")
    fetched = html_of(fetch_posts(client, world, [post.id for post in thread], post_language="fr"))
    assert fetched.count('class="post-node"') == 1  # only what the filter shows
    start = f'<li class="post-node" id="post-{translated.id}"'
    assert element(fetched, start, "</li>") == element(page, start, "</li>")
    assert 'data-level="0"' in fetched and "in reply to" in fetched


def test_each_reader_gets_their_own_buttons(app, world):
    post = add_post(world, "Mine", author="delegate")

    def actions(role):
        html = html_of(fetch_posts(signed_in(app, role), world, [post.id]))
        return set(re.findall(r'data-action="(\w+)"', html))

    assert actions("delegate") == {"reply", "edit", "translate"}
    assert actions("delegate2") == {"reply", "translate"}
    assert actions("moderator") == {"reply", "translate", "hide"}
    assert actions("observer") == set()  # observers read this deliberation
    assert actions("admin") == {"hide"}


def test_a_hidden_post_comes_as_the_page_shows_it(app, world):
    post = add_post(world, "Something rude", hidden=True, hidden_reason="Insulting")
    html = html_of(fetch_posts(signed_in(app, "delegate2"), world, [post.id]))
    assert "Hidden by moderator: Insulting" in html and "rude" not in html
    assert "data-hidden" in html and "data-reaction-form" not in html
    html = html_of(fetch_posts(signed_in(app, "moderator"), world, [post.id]))
    assert "Something rude" in html and "Hidden by moderator: Insulting" in html


@pytest.mark.parametrize("role", ROLES)
def test_posts_are_fetched_by_those_who_read_the_page(app, world, role):
    """200 for the deliberation's readers; the others are sent to sign in (302) or
    refused (403), as by the page."""
    post = add_post(world, "A post")
    client = signed_in(app, role)
    page = client.get(item_path(world)).status_code
    assert fetch_posts(client, world, [post.id]).status_code == page
    assert page == (302 if role == "anonymous" else 403 if role == "other_moderator" else 200)


def test_anonymous_readers_of_a_public_deliberation_fetch_posts_without_buttons(app, world):
    world.deliberation.is_public = True
    db.session.commit()
    post = add_post(world, "Open to all")
    html = html_of(fetch_posts(signed_in(app, "anonymous"), world, [post.id]))
    assert "Open to all" in html and "data-action" not in html and "<form" not in html


def test_posts_of_another_item_or_deliberation_are_not_found(app, world):
    client = signed_in(app, "delegate")
    mine = add_post(world, "Here")
    elsewhere = add_post(world, "There", item=make_item(world.deliberation, "Second item"))
    assert fetch_posts(client, world, [mine.id, elsewhere.id]).status_code == 404
    assert fetch_posts(client, world, [mine.id, 999_999]).status_code == 404
    response = client.get(f"/d/{world.other.slug}/items/{world.item.id}/posts?ids={mine.id}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "ids", ["", "a", "1,,2", "-1", "0", ",".join(map(str, range(1, 102))), "9" * 30]
)
def test_ids_are_a_short_list_of_whole_numbers(app, world, ids):
    response = signed_in(app, "delegate").get(f"{item_path(world)}/posts?ids={ids}")
    assert response.status_code == 422


def test_a_reply_comes_inside_the_list_of_replies_its_parent_may_lack(app, world):
    posts = chain(world, MAX_NESTING + 1)
    client = signed_in(app, "delegate")
    first = html_of(fetch_posts(client, world, [posts[1].id])).strip()
    assert first.startswith('<ol class="replies">') and f'id="post-{posts[1].id}"' in first
    folded = html_of(fetch_posts(client, world, [posts[COLLAPSE_DEPTH].id])).strip()
    assert folded.startswith('<details class="branch">')
    assert "<summary data-replies-count>Replies (1)</summary>" in folded
    # Deeper than the page indents: beside its parent, saying whom it answers.
    deepest = html_of(fetch_posts(client, world, [posts[-1].id])).strip()
    assert deepest.startswith('<li class="post-node"')
    assert f'data-level="{MAX_NESTING}"' in deepest and f'data-parent="{posts[-2].id}"' in deepest
    assert "in reply to Dora Delegate" in deepest


def test_posts_come_in_thread_order_then_the_count_of_posts(app, world):
    top = add_post(world, "Top")
    other = add_post(world, "Other")
    reply = add_post(world, "Reply", top)
    html = html_of(fetch_posts(signed_in(app, "delegate"), world, [reply.id, other.id]))
    assert html.index(f'id="post-{reply.id}"') < html.index(f'id="post-{other.id}"')
    count = '<span class="discussion-count" id="discussion-count" data-post-count>3 posts</span>'
    assert html.rstrip().endswith(count)
    assert count in html_of(signed_in(app, "delegate").get(item_path(world)))


def test_the_reply_form_comes_as_the_page_opens_it(app, world):
    post = add_post(world, "Answer me")
    client = signed_in(app, "delegate2")
    fetched = html_of(fetch_posts(client, world, [post.id], reply_to=post.id))
    page = html_of(client.get(f"{item_path(world)}?reply_to={post.id}"))
    form = f'<form method="post" action="{item_path(world)}/posts"'
    assert element(fetched, form, "</form>") == element(page, form, "</form>")
    assert 'data-post-form="reply"' in fetched and 'name="csrf_token"' in fetched
    observer = html_of(fetch_posts(signed_in(app, "observer"), world, [post.id], reply_to=post.id))
    assert f'id="reply-{post.id}"' not in observer


def test_fetching_posts_costs_as_many_queries_for_one_post_as_for_a_hundred(app, world):
    posts = [add_post(world, f"Post {n}", language="fr" if n % 2 else "en") for n in range(100)]
    client = signed_in(app, "delegate2")
    react(client, world, posts[0], "delegate", "agree")
    ids = [post.id for post in posts]
    fetch_posts(client, world, ids[:1])  # warm the session and the caches
    with counted_statements() as one:
        fetch_posts(client, world, ids[1:2])
    with counted_statements() as hundred:
        assert fetch_posts(client, world, ids).status_code == 200
    assert len(hundred) == len(one)


# --- reaction counts -------------------------------------------------------------------------


def test_fetched_totals_are_the_threads_totals(app, client, world, thread):
    reader = signed_in(app, "delegate")
    page = html_of(reader.get(item_path(world)))
    fetched = html_of(fetch_reactions(reader, world, [post.id for post in thread], "totals"))
    for post in thread:
        if post.hidden:
            assert f'id="cg-totals-{post.id}"' not in fetched
            continue
        start = f'<p class="reaction-counts" id="cg-totals-{post.id}">'
        assert element(fetched, start, "</p>") == element(page, start, "</p>")
    assert '<span data-total="agree">1</span>' in element(
        fetched, f'id="cg-totals-{thread[0].id}"', "</p>"
    )


def test_fetched_figures_are_the_charts_and_measures_of_common_ground(app, world, thread):
    reader = signed_in(app, "observer")
    page = html_of(reader.get(f"{item_path(world)}/common-ground"))
    shown = [post for post in thread if not post.hidden]
    fetched = html_of(fetch_reactions(reader, world, [post.id for post in shown]))
    for post in shown:
        start = f'<div class="cg-figures" id="cg-figures-{post.id}">'
        assert element(fetched, start, "</dl>") == element(page, start, "</dl>")
    assert "Governments: 0 agree, 0 disagree, 0 pass" in fetched
    assert "Civil Society: 1 agree, 0 disagree, 0 pass" in fetched


@pytest.mark.parametrize("role", ROLES)
def test_reaction_counts_are_fetched_by_those_who_read_the_page(app, world, role):
    post = add_post(world, "A post")
    client = signed_in(app, role)
    page = client.get(f"{item_path(world)}/common-ground").status_code
    assert fetch_reactions(client, world, [post.id]).status_code == page
    assert page == (302 if role == "anonymous" else 403 if role == "other_moderator" else 200)


def test_reactions_of_another_items_post_are_not_found(app, world):
    elsewhere = add_post(world, "There", item=make_item(world.deliberation, "Second item"))
    response = fetch_reactions(signed_in(app, "delegate"), world, [elsewhere.id])
    assert response.status_code == 404
