"""Reactions and the Common Ground view (issue 5, DESIGN §4): who may react, one reaction
per member and post (the latest wins), aggregates per group only, the ranked view over the
API and as a page, its language filter, and its constant number of queries.

The ``world`` fixture: private open deliberation ``ai-2026`` with groups ``governments`` and
``civil_society``; ``delegate`` (governments), ``delegate2`` (civil_society); ``moderator``
and ``observer`` have no group; ``admin`` is no member; ``other_moderator`` moderates
another deliberation.
"""

import json
from fractions import Fraction as F

import conftest
import pytest
import sqlalchemy as sa
from conftest import (
    ROLES,
    counted_statements,
    csrf_token,
    login,
    make_member,
    make_token,
    make_user,
)

from commonground.consensus.metrics import GroupCounts, group_informed_consensus
from commonground.db import db, utcnow
from commonground.discussion.models import Post, PostTranslation, Reaction
from commonground.discussion.rules import child_path


def make_post(world, author="delegate", body="A post.", language="en", **extra) -> Post:
    """A top-level post in the world's item (or ``extra["item"]``)."""
    item = extra.pop("item", world.item)
    post = conftest.make_post(item, world.memberships[author], body, language=language, **extra)
    db.session.commit()
    return post


def react(client, world, post_id, role, stance="agree"):
    return client.put(
        f"/api/v1/posts/{post_id}/reaction", json={"stance": stance}, headers=world.headers(role)
    )


def common_ground(client, world, role="delegate", query=""):
    return client.get(
        f"/api/v1/items/{world.item.id}/common-ground{query}", headers=world.headers(role)
    )


def reaction_rows(post_id=None) -> list[tuple]:
    query = sa.select(Reaction.post_id, Reaction.membership_id, Reaction.stance)
    if post_id is not None:
        query = query.where(Reaction.post_id == post_id)
    return [tuple(row) for row in db.session.execute(query)]


def voter(world, name: str, group: str | None):
    """An extra delegate of ``group`` with an API token, registered in ``world``."""
    user = make_user(f"{name}@example.org")
    world.memberships[name] = make_member(
        user, world.deliberation, "delegate", world.groups[group] if group else None
    )
    world.tokens[name] = make_token(user)
    db.session.commit()
    return world.memberships[name]


# --- who may react ---------------------------------------------------------------------------

REACT = {
    "anonymous": 401,
    "observer": 403,  # observers read; they take part only where the deliberation allows
    "delegate": 200,
    "other_moderator": 403,
    "moderator": 200,
    "admin": 403,  # not a member: a reaction belongs to a membership
}


@pytest.mark.parametrize("role", ROLES)
def test_members_who_take_part_may_react_and_nobody_else(client, world, role):
    post = make_post(world)
    response = react(client, world, post.id, role)
    assert response.status_code == REACT[role], response.get_json()
    if response.status_code == 200:
        assert response.get_json()["stance"] == "agree"
        assert len(reaction_rows(post.id)) == 1
    else:
        assert reaction_rows(post.id) == []


def test_outsiders_may_not_react(client, world):
    post = make_post(world)
    token = make_token(world.users["outsider"])
    db.session.commit()
    response = client.put(
        f"/api/v1/posts/{post.id}/reaction",
        json={"stance": "agree"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403


def test_one_reaction_per_member_and_post_the_latest_wins(client, world):
    post = make_post(world)
    member = world.memberships["delegate"].id
    assert react(client, world, post.id, "delegate", "agree").status_code == 200
    assert react(client, world, post.id, "delegate", "disagree").status_code == 200
    answer = react(client, world, post.id, "delegate", "pass").get_json()
    assert reaction_rows(post.id) == [(post.id, member, "pass")]
    assert answer["stance"] == "pass"
    assert (answer["reactions"]["agree"], answer["reactions"]["pass"]) == (0, 1)


def test_reacting_again_the_same_way_changes_nothing(client, world):
    post = make_post(world)
    first = react(client, world, post.id, "delegate").get_json()
    second = react(client, world, post.id, "delegate").get_json()
    assert first["updated_at"] == second["updated_at"]
    assert second["reactions"]["agree"] == 1


def test_members_read_their_own_stance_and_only_counts_of_others(client, world):
    post = make_post(world)
    url = f"/api/v1/posts/{post.id}/reaction"
    assert client.get(url, headers=world.headers("delegate")).get_json()["stance"] is None
    react(client, world, post.id, "delegate2", "disagree")
    react(client, world, post.id, "delegate", "agree")
    mine = client.get(url, headers=world.headers("delegate")).get_json()
    assert mine["stance"] == "agree"
    assert mine["reactions"]["groups"] == [
        {"key": "governments", "agree": 1, "disagree": 0, "pass": 0},
        {"key": "civil_society", "agree": 0, "disagree": 1, "pass": 0},
    ]
    assert client.get(url, headers=world.headers("admin")).get_json()["stance"] is None
    assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"stance": "love"}, 422, "stance"),
        ({"stance": None}, 422, "stance"),
        ({}, 422, "stance"),
        ({"stance": ["agree"]}, 422, "stance"),
    ],
)
def test_a_stance_must_be_agree_disagree_or_pass(client, world, body, status, field):
    post = make_post(world)
    response = client.put(
        f"/api/v1/posts/{post.id}/reaction", json=body, headers=world.headers("delegate")
    )
    assert response.status_code == status
    assert response.get_json()["error"]["field"] == field
    assert reaction_rows() == []


def test_a_reaction_needs_a_json_object_and_an_existing_post(client, world):
    post = make_post(world)
    headers = world.headers("delegate")
    bad = client.put(f"/api/v1/posts/{post.id}/reaction", data="agree", headers=headers)
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (400, "bad_json")
    missing = client.put("/api/v1/posts/999999/reaction", json={"stance": "agree"}, headers=headers)
    assert missing.status_code == 404


def test_read_only_tokens_may_not_react(client, world):
    post = make_post(world)
    token = make_token(world.users["delegate"], scope="read")
    db.session.commit()
    response = client.put(
        f"/api/v1/posts/{post.id}/reaction",
        json={"stance": "agree"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403


def test_browser_sessions_need_the_csrf_header(app, world):
    post = make_post(world)
    client = app.test_client()
    login(client, "delegate@example.org")
    url = f"/api/v1/posts/{post.id}/reaction"
    assert client.put(url, json={"stance": "agree"}).status_code == 400
    token = csrf_token(client)
    response = client.put(url, json={"stance": "agree"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda w, p: setattr(p, "hidden", True), 409, "hidden"),
        (lambda w, p: setattr(w.item, "status", "closed"), 409, "item_closed"),
        (lambda w, p: setattr(w.item, "status", "pending"), 409, "item_not_open"),
        (lambda w, p: setattr(w.deliberation, "status", "closed"), 409, "deliberation_closed"),
        (lambda w, p: setattr(w.memberships["delegate"], "muted", True), 403, "muted"),
    ],
    ids=["hidden-post", "closed-item", "pending-item", "closed-deliberation", "muted"],
)
def test_reactions_are_refused_when_the_discussion_does_not_take_them(
    client, world, change, status, code
):
    post = make_post(world)
    change(world, post)
    db.session.commit()
    response = react(client, world, post.id, "delegate")
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert reaction_rows() == []


def test_a_locked_item_still_takes_reactions(client, world):
    post = make_post(world)
    world.item.locked = True
    db.session.commit()
    assert react(client, world, post.id, "delegate").status_code == 200


def test_reactions_are_rate_limited_per_member(app, client, world):
    app.config["REACTION_RATE_LIMIT"] = "3/60"
    post = make_post(world)
    stances = ["agree", "disagree", "pass", "agree"]
    statuses = [react(client, world, post.id, "delegate", s).status_code for s in stances]
    assert statuses == [200, 200, 200, 429]
    assert react(client, world, post.id, "delegate2").status_code == 200


# --- the Common Ground view over the API -----------------------------------------------------

READ = {
    "anonymous": 401,
    "observer": 200,
    "delegate": 200,
    "other_moderator": 403,
    "moderator": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_readers_of_the_deliberation_read_its_common_ground(client, world, role):
    make_post(world)
    assert common_ground(client, world, role).status_code == READ[role]


def test_anyone_reads_the_common_ground_of_a_public_deliberation(client, world):
    world.deliberation.is_public = True
    make_post(world)
    response = client.get(f"/api/v1/items/{world.item.id}/common-ground")
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 1


def test_an_unknown_item_is_not_found(client, world):
    assert (
        client.get(
            "/api/v1/items/999999/common-ground", headers=world.headers("delegate")
        ).status_code
        == 404
    )


def test_the_view_has_exactly_the_shape_of_the_issue(client, world):
    post = make_post(world, body="We agree on **audits**.")
    react(client, world, post.id, "delegate", "agree")
    react(client, world, post.id, "delegate2", "disagree")
    react(client, world, post.id, "moderator", "pass")
    body = common_ground(client, world).get_json()
    # Issue 13 adds the bridging method beside the rows.
    assert set(body) == {"items", "bridging"}
    assert body["bridging"]["method"]["name"] == "min-beta-posterior"
    (entry,) = body["items"]
    # JSON objects are unordered (and Flask sorts their keys): the set of keys is the shape.
    assert set(entry) == {
        "post",
        "agree",
        "disagree",
        "pass",
        "groups",
        "ungrouped",
        "min_agreement",
        "group_informed_consensus",
        "majority_consensus",
        # issue 13
        "bridging",
        "coverage",
        "qualifies",
    }
    assert entry["post"]["id"] == post.id
    assert entry["post"]["html"] == "<p>We agree on <strong>audits</strong>.</p>"
    assert (entry["agree"], entry["disagree"], entry["pass"]) == (1, 1, 1)
    assert entry["groups"] == [
        {"key": "governments", "agree": 1, "disagree": 0, "pass": 0},
        {"key": "civil_society", "agree": 0, "disagree": 1, "pass": 0},
    ]
    assert all(set(group) == {"key", "agree", "disagree", "pass"} for group in entry["groups"])
    assert entry["min_agreement"] == "0"
    # The moderator (no group) counts in the totals and under "ungrouped", in no group:
    # the totals are exactly the groups plus the ungrouped. (1+1)/(1+2) · (0+1)/(1+2).
    assert entry["ungrouped"] == {"agree": 0, "disagree": 0, "pass": 1}
    assert entry["group_informed_consensus"] == "2/9"
    assert entry["majority_consensus"]["p"] == str(F(2, 5))
    assert entry["majority_consensus"]["qualifies"] is False


def test_posts_every_group_supports_come_first(client, world):
    divisive = make_post(world, body="Divisive")
    common = make_post(world, body="Common")
    untouched = make_post(world, body="Untouched")
    for role, group in (("g1", "governments"), ("g2", "governments"), ("c1", "civil_society")):
        voter(world, role, group)
    for role in ("delegate", "g1", "g2"):
        react(client, world, divisive.id, role, "agree")
        react(client, world, common.id, role, "agree")
    for role in ("delegate2", "c1"):
        react(client, world, divisive.id, role, "disagree")
        react(client, world, common.id, role, "agree")
    items = common_ground(client, world).get_json()["items"]
    assert [i["post"]["id"] for i in items] == [common.id, untouched.id, divisive.id]
    values = [F(i["group_informed_consensus"]) for i in items]
    assert values == sorted(values, reverse=True)
    assert values[0] == group_informed_consensus([GroupCounts(3, 0), GroupCounts(2, 0)])


def test_ties_keep_the_order_of_the_posts(client, world):
    posts = [make_post(world, body=f"Post {n}") for n in range(4)]
    items = common_ground(client, world).get_json()["items"]
    assert [i["post"]["id"] for i in items] == [p.id for p in posts]


def test_hidden_posts_are_left_out_for_everyone(client, world):
    visible = make_post(world)
    make_post(world, hidden=True, hidden_reason="Off topic")
    for role in ("delegate", "moderator", "admin"):
        items = common_ground(client, world, role).get_json()["items"]
        assert [i["post"]["id"] for i in items] == [visible.id]


def test_the_view_filters_by_the_language_posts_are_written_or_translated_in(client, world):
    english = make_post(world, body="English")
    french = make_post(world, body="Français", language="fr")
    translated = make_post(world, body="Translated")
    db.session.add(
        PostTranslation(post_id=translated.id, language="fr", body="Traduit", created_at=utcnow())
    )
    db.session.commit()
    fr = common_ground(client, world, query="?language=fr").get_json()["items"]
    assert sorted(i["post"]["id"] for i in fr) == [french.id, translated.id]
    en = common_ground(client, world, query="?language=en").get_json()["items"]
    assert [i["post"]["id"] for i in en] == [english.id, translated.id]
    bad = common_ground(client, world, query="?language=not a code")
    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "language")


def test_who_reacted_how_never_appears(client, world):
    post = make_post(world)
    react(client, world, post.id, "delegate", "agree")
    react(client, world, post.id, "delegate2", "disagree")
    for response in (
        common_ground(client, world, "observer"),
        react(client, world, post.id, "observer", "pass"),
        client.get(f"/api/v1/posts/{post.id}/reaction", headers=world.headers("observer")),
    ):
        text = json.dumps({k: v for k, v in response.get_json().items() if k != "post"})
        if "items" in response.get_json():
            text = json.dumps(
                [{k: v for k, v in i.items() if k != "post"} for i in response.get_json()["items"]]
            )
        for role in ("delegate", "delegate2"):
            assert world.users[role].name not in text
            assert world.users[role].email not in text
        assert "membership" not in text and "member" not in text


def test_reading_the_view_is_a_constant_number_of_queries(client, world):
    members = [voter(world, f"v{n}", "governments" if n % 2 else "civil_society") for n in range(6)]

    def statements_for(posts: int) -> int:
        for n in range(posts):
            post = make_post(world, body=f"Post {n}")
            db.session.add_all(
                Reaction(
                    post_id=post.id,
                    membership_id=m.id,
                    stance=("agree", "disagree", "pass")[(n + i) % 3],
                )
                for i, m in enumerate(members)
            )
        db.session.commit()
        common_ground(client, world)  # the token's first use of the minute is written down
        db.session.expire_all()  # nothing cached from building the data
        with counted_statements() as statements:
            response = common_ground(client, world)
        assert response.status_code == 200
        return len(statements)

    few = statements_for(2)
    many = statements_for(40)
    assert few == many, (few, many)
    assert few <= 12


def test_the_view_is_described_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/items/{item_id}/common-ground"]
    assert {"get", "put"} <= set(paths["/api/v1/posts/{post_id}/reaction"])


# --- pages -----------------------------------------------------------------------------------


def page_url(world) -> str:
    return f"/d/{world.deliberation.slug}/items/{world.item.id}/common-ground"


def signed_in(app, role):
    client = app.test_client()
    login(client, world_email(role))
    return client


def world_email(role: str) -> str:
    return {
        "admin": "admin@example.org",
        "moderator": "mod@example.org",
        "other_moderator": "othermod@example.org",
        "delegate": "delegate@example.org",
        "delegate2": "delegate2@example.org",
        "observer": "observer@example.org",
    }[role]


PAGE = {
    "anonymous": 302,  # to sign in
    "observer": 200,
    "delegate": 200,
    "other_moderator": 403,
    "moderator": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_common_ground_page_per_role(app, world, role):
    make_post(world)
    client = app.test_client() if role == "anonymous" else signed_in(app, role)
    response = client.get(page_url(world))
    assert response.status_code == PAGE[role]
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
    if response.status_code == 200:
        html = response.get_data(as_text=True)
        # Members who take part get the buttons; observers and the admin (no member) read.
        assert ("data-reaction-form" in html) == (role not in ("admin", "observer"))


def test_the_page_ranks_posts_with_a_chart_per_group_and_its_text_alternative(app, client, world):
    low = make_post(world, body="Low")
    high = make_post(world, body="High")
    react(client, world, high.id, "delegate", "agree")
    react(client, world, high.id, "delegate2", "agree")
    react(client, world, low.id, "delegate2", "disagree")
    html = signed_in(app, "delegate").get(page_url(world)).get_data(as_text=True)
    assert html.index(f'id="cg-post-{high.id}"') < html.index(f'id="cg-post-{low.id}"')
    assert '<svg class="cg-bar"' in html and 'role="img"' in html
    assert "Governments: 1 agree, 0 disagree, 0 pass" in html
    assert "Civil Society: 0 agree, 1 disagree, 0 pass" in html
    # The delegate's own stance is pressed; nobody else's is shown.
    start = html.index(f'id="cg-post-{high.id}"')
    entry = html[start : html.index("</li>", start)]
    assert 'value="agree" class="reaction reaction-agree"\n      aria-pressed="true"' in entry
    assert "Dora Delegate" not in html  # delegate2 reacted but wrote nothing
    assert 'src="/static/js/reactions.js"' in html


def test_a_reaction_through_the_form_works_without_javascript(app, world):
    post = make_post(world)
    client = signed_in(app, "delegate2")
    token = csrf_token(client, page_url(world))
    response = client.post(
        f"/d/{world.deliberation.slug}/posts/{post.id}/reaction",
        data={"stance": "disagree", "csrf_token": token, "next": page_url(world)},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{page_url(world)}#cg-post-{post.id}")
    assert reaction_rows(post.id) == [(post.id, world.memberships["delegate2"].id, "disagree")]
    html = client.get(page_url(world)).get_data(as_text=True)
    assert "Your reaction was recorded." in html


def test_a_refused_form_reaction_says_why(app, world):
    post = make_post(world)
    client = signed_in(app, "delegate")
    token = csrf_token(client, page_url(world))
    response = client.post(
        f"/d/{world.deliberation.slug}/posts/{post.id}/reaction",
        data={"stance": "maybe", "csrf_token": token},
        follow_redirects=True,
    )
    assert "This must be one of: agree, disagree, pass." in response.get_data(as_text=True)
    assert reaction_rows() == []


def test_form_reactions_need_the_csrf_token_and_an_account(app, world, client):
    post = make_post(world)
    url = f"/d/{world.deliberation.slug}/posts/{post.id}/reaction"
    anonymous = client.post(url, data={"stance": "agree", "csrf_token": csrf_token(client)})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    signed = signed_in(app, "delegate")
    assert signed.post(url, data={"stance": "agree"}).status_code == 400
    elsewhere = signed.post(
        f"/d/other-forum/posts/{post.id}/reaction",
        data={"stance": "agree", "csrf_token": csrf_token(signed)},
    )
    assert elsewhere.status_code == 404
    assert reaction_rows() == []


def test_the_page_filters_by_language_and_says_when_nothing_matches(app, world):
    make_post(world, body="English")
    french = make_post(world, body="Français", language="fr")
    client = signed_in(app, "delegate")
    html = client.get(page_url(world) + "?post_language=fr").get_data(as_text=True)
    assert f'id="cg-post-{french.id}"' in html and "English</p>" not in html
    assert 'aria-current="true">Français (1)' in html or "post_language=fr" in html
    empty = client.get(page_url(world) + "?post_language=ar").get_data(as_text=True)
    assert "No post is written in or translated into this language yet." in empty


def test_a_closed_item_shows_its_common_ground_without_buttons(app, world):
    make_post(world)
    world.item.status = "closed"
    db.session.commit()
    html = signed_in(app, "delegate").get(page_url(world)).get_data(as_text=True)
    assert "data-reaction-form" not in html
    assert "This agenda item is closed: it takes no more reactions." in html


def test_the_item_page_links_to_common_ground_and_summaries(app, world):
    html = (
        signed_in(app, "delegate")
        .get(f"/d/{world.deliberation.slug}/items/{world.item.id}")
        .get_data(as_text=True)
    )
    assert page_url(world) in html
    assert f"/d/{world.deliberation.slug}/items/{world.item.id}/summaries" in html
    assert "No consensus summary has been published for this item yet." in html


@pytest.mark.postgres
def test_reactions_and_the_view_on_postgresql(pg_app):
    from conftest import make_deliberation, make_group, make_item

    deliberation = make_deliberation("pg-forum", scheme="groups")
    north, south = make_group(deliberation, "north"), make_group(deliberation, "south", position=1)
    item = make_item(deliberation, "Item")
    tokens = {}
    members = {}
    for name, group in (("a", north), ("b", south), ("c", None)):
        user = make_user(f"{name}@example.org")
        members[name] = make_member(user, deliberation, "delegate", group)
        tokens[name] = {"Authorization": f"Bearer {make_token(user)}"}
    posts = []
    for n in range(3):
        post = Post(
            item_id=item.id,
            author_id=members["a"].id,
            body=f"P{n}",
            language="en",
            path="",
            created_at=utcnow(),
        )
        db.session.add(post)
        db.session.flush()
        post.path = child_path(None, post.id)
        posts.append(post)
    db.session.commit()
    client = pg_app.test_client()
    for name, stance in (("a", "agree"), ("b", "agree"), ("c", "disagree")):
        url = f"/api/v1/posts/{posts[2].id}/reaction"
        assert client.put(url, json={"stance": stance}, headers=tokens[name]).status_code == 200
    items = client.get(f"/api/v1/items/{item.id}/common-ground", headers=tokens["a"]).get_json()[
        "items"
    ]
    assert items[0]["post"]["id"] == posts[2].id
    assert (items[0]["agree"], items[0]["disagree"]) == (2, 1)
    assert items[0]["group_informed_consensus"] == "4/9"
    assert [i["post"]["id"] for i in items[1:]] == [posts[0].id, posts[1].id]


OWN = {**READ, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_reading_ones_own_reaction_per_role(client, world, role):
    post = make_post(world)
    response = client.get(f"/api/v1/posts/{post.id}/reaction", headers=world.headers(role))
    assert response.status_code == OWN[role]
    if response.status_code == 200:
        assert response.get_json()["stance"] is None


def test_observers_react_where_the_deliberation_lets_them_take_part(client, world):
    post = make_post(world)
    refused = react(client, world, post.id, "observer")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "observer"
    world.deliberation.observers_may_post = True
    db.session.commit()
    assert react(client, world, post.id, "observer").status_code == 200
    entry = common_ground(client, world).get_json()["items"][0]
    assert entry["ungrouped"] == {"agree": 1, "disagree": 0, "pass": 0}
    assert entry["agree"] == sum(g["agree"] for g in entry["groups"]) + entry["ungrouped"]["agree"]


def test_the_chart_rows_add_up_to_the_totals_with_a_row_without_a_group(app, client, world):
    post = make_post(world)
    react(client, world, post.id, "delegate", "agree")
    react(client, world, post.id, "moderator", "disagree")
    html = signed_in(app, "delegate").get(page_url(world)).get_data(as_text=True)
    assert "Governments: 1 agree, 0 disagree, 0 pass" in html
    assert "Without a group: 0 agree, 1 disagree, 0 pass" in html
