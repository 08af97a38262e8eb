"""The discussion on the item page, without JavaScript: plain forms and a reload."""

import re

import pytest
import sqlalchemy as sa
from conftest import csrf_token, login

from commonground.db import db
from commonground.discussion.models import Post


def item_path(world) -> str:
    return f"/d/{world.deliberation.slug}/items/{world.item.id}"


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def submit(client, world, action: str, data: dict, page: str | None = None):
    """Post a form of the item page, carrying the page's CSRF token."""
    token = csrf_token(client, page or item_path(world))
    return client.post(action, data={**data, "csrf_token": token})


def publish(client, world, body="A contribution.", **extra):
    return submit(
        client,
        world,
        f"/d/{world.deliberation.slug}/items/{world.item.id}/posts",
        {"body": body, **extra},
    )


def thread_html(client, world, query="") -> str:
    response = client.get(item_path(world) + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[html.index('id="discussion"') : html.index('id="discussion-config"')]


def test_a_delegate_posts_and_replies_through_the_forms(app, world):
    client = signed_in(app, "delegate@example.org")
    response = publish(client, world, "My **first** point", language="en")
    assert response.status_code == 303
    first = db.session.scalar(sa.select(Post))
    assert response.headers["Location"].endswith(f"?focus={first.id}#post-{first.id}")

    other = signed_in(app, "delegate2@example.org")
    page = thread_html(other, world, f"?reply_to={first.id}")
    assert f'id="reply-{first.id}"' in page  # the reply form opens under the post
    response = publish(other, world, "A reply", parent=str(first.id), language="fr")
    assert response.status_code == 303

    html = thread_html(client, world)
    assert "<strong>first</strong>" in html and "A reply" in html
    reply = db.session.scalars(sa.select(Post).where(Post.parent_id == first.id)).one()
    # The reply sits inside its parent's list of replies.
    parent_block = html[html.index(f'id="post-{first.id}"') :]
    assert parent_block.index(f'id="post-{reply.id}"') < parent_block.index("</ol>")
    assert reply.language == "fr"


def test_a_refused_post_comes_back_with_the_message_and_the_text(app, world):
    client = signed_in(app, "delegate@example.org")
    long_text = "word " * 4001
    response = publish(client, world, long_text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "too long" in html and "20000" in html.replace(",", "")
    assert long_text.strip()[:200] in html  # nothing typed is lost
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 0


def test_a_refused_reply_reopens_its_form_under_the_post(app, world):
    client = signed_in(app, "delegate@example.org")
    publish(client, world, "Parent")
    parent = db.session.scalar(sa.select(Post))
    response = publish(client, world, "", parent=str(parent.id))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="reply-{parent.id}"' in html and "This is required." in html


def test_forms_without_the_csrf_token_are_refused(app, world):
    client = signed_in(app, "delegate@example.org")
    response = client.post(
        f"/d/{world.deliberation.slug}/items/{world.item.id}/posts", data={"body": "x"}
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 0


def test_anonymous_posters_are_sent_to_sign_in(client, world):
    world.deliberation.is_public = True
    db.session.commit()
    html = thread_html(client, world)
    assert 'id="compose"' not in html and "/login" in html
    token = csrf_token(client, item_path(world))
    response = client.post(
        f"/d/{world.deliberation.slug}/items/{world.item.id}/posts",
        data={"body": "x", "csrf_token": token},
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w: setattr(w.memberships["delegate"], "muted", True), "muted you"),
        (lambda w: setattr(w.item, "locked", True), "locked this discussion"),
        (lambda w: setattr(w.item, "status", "closed"), "agenda item is closed"),
    ],
    ids=["muted", "locked", "closed"],
)
def test_members_who_may_not_post_see_why_instead_of_a_form(app, world, change, message):
    change(world)
    db.session.commit()
    client = signed_in(app, "delegate@example.org")
    html = thread_html(client, world)
    assert 'id="compose"' not in html and message in html
    response = publish(client, world, "Trying anyway")
    assert response.status_code in (403, 409) and message in response.get_data(as_text=True)


def test_observers_read_but_are_told_they_may_not_post(app, world):
    client = signed_in(app, "observer@example.org")
    assert "Observers may read this discussion" in thread_html(client, world)


def test_a_hidden_post_shows_only_the_reason_except_to_moderators(app, world):
    author = signed_in(app, "delegate@example.org")
    publish(author, world, "Something offensive")
    target = db.session.scalar(sa.select(Post))
    moderator = signed_in(app, "mod@example.org")
    assert f'id="hide-{target.id}"' in thread_html(moderator, world, f"?hide_post={target.id}")
    response = submit(
        moderator,
        world,
        f"/d/{world.deliberation.slug}/posts/{target.id}/hide",
        {"reason": "Insulting"},
    )
    assert response.status_code == 303

    for client in (author, signed_in(app, "observer@example.org")):
        html = thread_html(client, world)
        assert "Hidden by moderator: Insulting" in html and "offensive" not in html
    html = thread_html(moderator, world)
    assert "Something offensive" in html and "Hidden by moderator: Insulting" in html


def test_delegates_see_no_hide_form_and_may_not_hide(app, world):
    client = signed_in(app, "delegate@example.org")
    publish(client, world)
    target = db.session.scalar(sa.select(Post))
    assert f'id="hide-{target.id}"' not in thread_html(client, world, f"?hide_post={target.id}")
    response = submit(
        client, world, f"/d/{world.deliberation.slug}/posts/{target.id}/hide", {"reason": "x"}
    )
    assert response.status_code == 403
    assert not db.session.get(Post, target.id).hidden


def test_the_author_edits_and_the_history_keeps_the_earlier_version(app, world):
    client = signed_in(app, "delegate@example.org")
    publish(client, world, "First version")
    target = db.session.scalar(sa.select(Post))
    html = thread_html(client, world, f"?edit_post={target.id}")
    assert f'id="edit-{target.id}"' in html and "First version</textarea>" in html
    response = submit(
        client,
        world,
        f"/d/{world.deliberation.slug}/posts/{target.id}/edit",
        {"body": "Second version", "language": "en"},
    )
    assert response.status_code == 303
    html = thread_html(client, world)
    assert "Second version" in html and "edited" in html

    history = client.get(f"/d/{world.deliberation.slug}/posts/{target.id}/history")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    assert text.index("Second version") < text.index("First version")


def test_others_get_no_edit_form(app, world):
    publish(signed_in(app, "delegate@example.org"), world)
    target = db.session.scalar(sa.select(Post))
    other = signed_in(app, "delegate2@example.org")
    assert f'id="edit-{target.id}"' not in thread_html(other, world, f"?edit_post={target.id}")
    response = submit(
        other, world, f"/d/{world.deliberation.slug}/posts/{target.id}/edit", {"body": "Mine now"}
    )
    assert response.status_code == 403


def test_readers_see_the_translation_into_their_language_with_the_original_a_click_away(app, world):
    client = signed_in(app, "delegate@example.org")
    publish(client, world, "Hello everyone", language="en")
    target = db.session.scalar(sa.select(Post))
    translator = signed_in(app, "delegate2@example.org")
    response = submit(
        translator,
        world,
        f"/d/{world.deliberation.slug}/posts/{target.id}/translations",
        {"language": "fr", "body": "Bonjour à tous"},
    )
    assert response.status_code == 303

    world.users["observer"].locale = "fr"
    db.session.commit()
    reader = signed_in(app, "observer@example.org")
    html = thread_html(reader, world)
    assert html.index("Bonjour à tous") < html.index("Hello everyone")
    assert re.search(r'<details class="post-original">\s*<summary>', html)
    # Readers in the post's own language see the original only.
    assert "Bonjour" not in thread_html(client, world)


def test_a_refused_translation_keeps_the_text(app, world):
    publish(signed_in(app, "delegate@example.org"), world, "Hello", language="en")
    target = db.session.scalar(sa.select(Post))
    translator = signed_in(app, "delegate2@example.org")
    response = submit(
        translator,
        world,
        f"/d/{world.deliberation.slug}/posts/{target.id}/translations",
        {"language": "en", "body": "Hello again"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="translate-{target.id}"' in html and "Hello again" in html


def test_the_page_filters_posts_by_language(app, world):
    client = signed_in(app, "delegate@example.org")
    publish(client, world, "In English", language="en")
    publish(client, world, "En français", language="fr")
    html = thread_html(client, world, "?post_language=fr")
    assert "En français" in html and "In English" not in html
    assert "English (1)" in html and "French (1)" in html


def test_the_moderator_locks_and_unlocks_the_discussion(app, world):
    moderator = signed_in(app, "mod@example.org")
    action = f"/d/{world.deliberation.slug}/items/{world.item.id}/lock"
    assert submit(moderator, world, action, {"locked": "1"}).status_code == 303
    assert "Unlock the discussion" in thread_html(moderator, world)
    delegate = signed_in(app, "delegate@example.org")
    assert 'id="compose"' not in thread_html(delegate, world)
    assert submit(delegate, world, action, {"locked": "0"}).status_code == 403
    assert submit(moderator, world, action, {"locked": "0"}).status_code == 303
    assert 'id="compose"' in thread_html(delegate, world)


def test_deep_branches_start_folded_and_unfold_for_the_post_in_focus(app, world):
    client = signed_in(app, "delegate@example.org")
    parent = None
    for depth in range(6):
        publish(client, world, f"Depth {depth}", **({"parent": str(parent)} if parent else {}))
        parent = db.session.scalar(sa.select(sa.func.max(Post.id)))
    html = thread_html(client, world)
    assert '<details class="branch">' in html  # folded
    html = thread_html(client, world, f"?focus={parent}")
    assert '<details class="branch">' not in html and '<details class="branch" open>' in html
    assert all(f"Depth {d}" in html for d in range(6))


def test_the_posting_rate_limit_answers_429_on_the_page(app, world):
    app.config["POST_RATE_LIMIT"] = "1/60"
    client = signed_in(app, "delegate@example.org")
    assert publish(client, world, "One").status_code == 303
    response = publish(client, world, "Two")
    assert response.status_code == 429
    assert "posting too often" in response.get_data(as_text=True)


def test_the_live_script_gets_its_settings_from_a_json_block(app, world):
    import json

    client = signed_in(app, "delegate@example.org")
    publish(client, world, "</script><script>alert(1)</script>")
    html = client.get(item_path(world)).get_data(as_text=True)
    block = re.search(
        r'<script type="application/json" id="discussion-config">(.*?)</script>', html, re.S
    )
    config = json.loads(block.group(1))
    assert config["item"] == world.item.id and config["me"]["may_post"] is True
    assert config["me"]["member"] == world.memberships["delegate"].id
    assert config["groups"] == {"governments": "Governments", "civil_society": "Civil Society"}
    assert "<script>alert" not in html


# --- reactions and floor interventions in the thread -----------------------------------------


def floor_post(world, author="moderator", body="A post.", **extra) -> Post:
    """A top-level post written straight into the database (``extra``: more columns)."""
    from commonground.db import utcnow
    from commonground.discussion.rules import child_path

    post = Post(
        item_id=world.item.id,
        author_id=world.memberships[author].id,
        body=body,
        language="en",
        path="",
        created_at=utcnow(),
        **extra,
    )
    db.session.add(post)
    db.session.flush()
    post.path = child_path(None, post.id)
    db.session.commit()
    return post


def react(app, world, post_id, role, stance):
    response = app.test_client().put(
        f"/api/v1/posts/{post_id}/reaction", json={"stance": stance}, headers=world.headers(role)
    )
    assert response.status_code == 200, response.get_json()


def reactions_of(html: str, post_id: int) -> str:
    """The reactions block of one post in the thread."""
    start = html.index(f'data-cg-post="{post_id}"')
    return html[start : html.index("</div>", start)]


def totals_in(block: str) -> dict[str, int]:
    return {
        stance: int(re.search(rf'data-total="{stance}">(\d+)<', block).group(1))
        for stance in ("agree", "disagree", "pass")
    }


def pressed_in(block: str) -> dict[str, str]:
    return dict(re.findall(r'name="stance" value="(\w+)"[^>]*aria-pressed="(\w+)"', block, re.S))


def test_a_delegate_sees_the_buttons_with_their_own_stance_pressed_and_the_totals(app, world):
    world.deliberation.observers_may_post = True  # observers take part here
    post = floor_post(world, body="Open the data")
    other = floor_post(world, body="Close the data")
    react(app, world, post.id, "delegate", "agree")
    react(app, world, post.id, "delegate2", "disagree")
    react(app, world, post.id, "observer", "pass")
    react(app, world, post.id, "moderator", "agree")
    react(app, world, other.id, "delegate", "disagree")
    react(app, world, post.id, "delegate", "disagree")  # the latest wins

    html = thread_html(signed_in(app, "delegate@example.org"), world)
    block = reactions_of(html, post.id)
    assert f'action="/d/{world.deliberation.slug}/posts/{post.id}/reaction"' in block
    assert 'name="csrf_token"' in block
    assert f'name="next" value="{item_path(world)}"' in block
    assert pressed_in(block) == {"agree": "false", "disagree": "true", "pass": "false"}
    assert totals_in(block) == {"agree": 1, "disagree": 2, "pass": 1}
    assert pressed_in(reactions_of(html, other.id)) == {
        "agree": "false",
        "disagree": "true",
        "pass": "false",
    }
    assert totals_in(reactions_of(html, other.id)) == {"agree": 0, "disagree": 1, "pass": 0}

    # delegate2 sees their own stance, not the delegate's
    html = thread_html(signed_in(app, "delegate2@example.org"), world)
    assert pressed_in(reactions_of(html, post.id)) == {
        "agree": "false",
        "disagree": "true",
        "pass": "false",
    }
    assert pressed_in(reactions_of(html, other.id)) == dict.fromkeys(
        ("agree", "disagree", "pass"), "false"
    )


@pytest.mark.parametrize(
    ("email", "buttons"),
    [
        ("observer@example.org", False),  # observers read, unless allowed to take part
        ("delegate@example.org", True),
        ("mod@example.org", True),
        ("admin@example.org", False),  # reads every deliberation, but is no member
    ],
)
def test_members_get_buttons_and_other_readers_only_the_counts(app, world, email, buttons):
    post = floor_post(world)
    react(app, world, post.id, "delegate2", "agree")
    html = thread_html(signed_in(app, email), world)
    block = reactions_of(html, post.id)
    assert totals_in(block) == {"agree": 1, "disagree": 0, "pass": 0}
    assert ("data-reaction-form" in block) is buttons


def test_anonymous_readers_of_a_public_deliberation_see_counts_but_no_form_nor_names(
    app, client, world
):
    world.deliberation.is_public = True
    world.deliberation.observers_may_post = True  # observers take part here
    db.session.commit()
    post = floor_post(world, author="moderator")
    for role, stance in (("delegate", "agree"), ("delegate2", "disagree"), ("observer", "pass")):
        react(app, world, post.id, role, stance)

    response = client.get(item_path(world))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    html = thread_html(client, world)
    block = reactions_of(html, post.id)
    assert totals_in(block) == {"agree": 1, "disagree": 1, "pass": 1}
    assert "data-reaction-form" not in page and "<button" not in block
    assert 'id="consensus-config"' not in page and "js/reactions.js" not in page
    for role in ("delegate", "delegate2", "observer"):
        assert world.users[role].name not in page
        assert world.users[role].email not in page


def test_the_thread_never_names_who_reacted(app, world):
    world.deliberation.observers_may_post = True  # observers take part here
    post = floor_post(world, author="moderator")
    react(app, world, post.id, "delegate", "agree")
    react(app, world, post.id, "observer", "disagree")
    html = thread_html(signed_in(app, "delegate2@example.org"), world)
    assert "Dee Delegate" not in html and "Olga Observer" not in html
    assert "delegate@example.org" not in html and "observer@example.org" not in html
    assert totals_in(reactions_of(html, post.id)) == {"agree": 1, "disagree": 1, "pass": 0}


def test_hidden_posts_and_closed_items_take_no_reactions(app, world):
    shown = floor_post(world, body="Kept")
    hidden = floor_post(world, body="Gone", hidden=True, hidden_reason="Off topic")
    client = signed_in(app, "delegate@example.org")
    html = thread_html(client, world)
    assert f'data-cg-post="{hidden.id}"' not in html
    assert "data-reaction-form" in reactions_of(html, shown.id)

    world.item.status = "closed"
    db.session.commit()
    html = thread_html(client, world)
    block = reactions_of(html, shown.id)
    assert "data-reaction-form" not in block and totals_in(block)["agree"] == 0


def test_a_reaction_from_the_item_page_comes_back_to_the_post(app, world):
    post = floor_post(world)
    client = signed_in(app, "delegate@example.org")
    response = submit(
        client,
        world,
        f"/d/{world.deliberation.slug}/posts/{post.id}/reaction",
        {"stance": "pass", "next": item_path(world)},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{item_path(world)}#cg-post-{post.id}")
    block = reactions_of(thread_html(client, world), post.id)
    assert pressed_in(block)["pass"] == "true" and totals_in(block)["pass"] == 1


def test_signed_in_readers_get_the_reactions_script_and_its_settings(app, world):
    import json

    html = signed_in(app, "delegate@example.org").get(item_path(world)).get_data(as_text=True)
    assert 'src="/static/js/reactions.js"' in html
    block = re.search(
        r'<script type="application/json" id="consensus-config">(.*?)</script>', html, re.S
    )
    config = json.loads(block.group(1))
    assert config["item"] == world.item.id
    assert config["api"]["reaction"] == "/api/v1/posts/{post}/reaction"
    assert config["strings"]["saved"]


def test_floor_interventions_carry_a_badge(app, world):
    spoken = floor_post(world, body="Spoken", floor_intervention=True)
    written = floor_post(world, body="Written")
    html = thread_html(signed_in(app, "observer@example.org"), world)

    def header(post_id):
        start = html.index(f'id="post-{post_id}"')
        return html[start : html.index("</header>", start)]

    assert "Floor intervention" in header(spoken.id)
    assert "Floor intervention" not in header(written.id)
    # A post that arrives live comes from the same macro, badge included.
    live = signed_in(app, "observer@example.org").get(f"{item_path(world)}/posts?ids={spoken.id}")
    assert 'class="post-floor-badge"' in live.get_data(as_text=True)
