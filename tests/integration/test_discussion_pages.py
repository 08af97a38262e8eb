"""The discussion on the item page, without JavaScript: plain forms and a reload."""

import re

import pytest
import sqlalchemy as sa
from conftest import csrf_token, login

from commonground.discussion.models import Post
from commonground.extensions import db


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
    return html[html.index('id="discussion"') : html.index('id="discussion-post-template"')]


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
