"""Opinion groups and bridging over the API (issue 13): ``GET /api/v1/items/<id>/opinions``
and the bridging figures of ``GET …/common-ground``.

With the shared data, each real conversation is imported as ``flask polis import`` does and
the API's answer is compared with red-dwarf run on the raw votes: the same number of groups,
the same sizes, the same consensus statements. A small room gets no invented groups, and
thin evidence never qualifies as common ground.
"""

import numpy as np
import pytest
import sqlalchemy as sa
from conftest import csrf_token
from polis_votes import CONVERSATIONS, POLIS, needs_shared_data, red_dwarf
from test_polis_import import export, run_import  # noqa: F401 (export: a fixture)
from test_reactions import make_post, page_url, react, signed_in, voter

from commonground.consensus import sensemaking
from commonground.consensus.models import ConsensusSummary, Exposure
from commonground.db import db
from commonground.deliberations.models import AgendaItem, Deliberation
from commonground.discussion.models import Post, Reaction


def opinions(client, world, item_id, role="delegate"):
    return client.get(f"/api/v1/items/{item_id}/opinions", headers=world.headers(role))


@needs_shared_data
@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_an_imported_conversation_has_the_opinion_groups_red_dwarf_finds(
    app, client, world, conversation
):
    reference, _votes, moderated = red_dwarf(conversation)
    assert run_import(app, POLIS / conversation, conversation).exit_code == 0
    item_id = db.session.scalar(
        sa.select(AgendaItem.id).join(Deliberation).where(Deliberation.slug == conversation)
    )
    rows = db.session.execute(sa.select(Post.id, Post.external_id).where(Post.item_id == item_id))
    comment_of = {post_id: int(external.rsplit(":", 1)[1]) for post_id, external in rows}

    response = opinions(client, world, item_id, role="admin")
    assert response.status_code == 200
    body = response.get_json()

    assert body["algorithm"]["name"] == "polis-classic"
    assert body["algorithm"]["params"]["min_responses"] == 7
    assert body["clustered"] is True and body["reason"] is None
    theirs = sorted(reference.participants_df["cluster_id"].value_counts().tolist())
    ours = sorted(group["size"] for group in body["groups"])
    assert len(ours) == len(theirs)
    assert all(abs(a - b) <= 3 for a, b in zip(ours, theirs, strict=True))
    assert all(len(group["members"]) == group["size"] for group in body["groups"])
    # Which group someone is in follows from their reactions: others see only themselves.
    db.session.get(AgendaItem, item_id).deliberation.is_public = True
    db.session.commit()
    anyone = opinions(client, world, item_id, role="anonymous").get_json()
    assert [g["size"] for g in anyone["groups"]] == [g["size"] for g in body["groups"]]
    assert all(group["members"] == [] for group in anyone["groups"])
    for direction in ("agree", "disagree"):
        assert [comment_of[p] for p in body["consensus"][direction]] == [
            s["tid"] for s in reference.consensus[direction]
        ]
    assert set(body["representative"]) == {str(g["id"]) for g in body["groups"]}
    # Hidden posts are computed with, but never listed.
    listed = {s["post"] for s in body["statements"]}
    assert not {p for p, c in comment_of.items() if c in moderated} & listed

    ground = client.get(
        f"/api/v1/items/{item_id}/common-ground", headers=world.headers("admin")
    ).get_json()
    for entry in ground["items"]:
        bridge = entry["bridging"]
        assert 0 <= bridge["low"] <= bridge["score"] <= bridge["high"] <= 1
        # Declared groups (two Pol.is groups and "ungrouped") plus the opinion groups.
        assert entry["coverage"]["total"] == 3 + len(body["groups"])
        assert entry["qualifies"] == (bridge["low"] > 0.5)


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_response_matrix_is_every_reaction_of_the_item(request, database):
    """The matrix is read as one text of numbers per post (see ``response_matrix``): on
    both databases it holds exactly the reactions, hidden posts marked."""
    app = request.getfixturevalue("app" if database == "sqlite" else "pg_app")
    with app.app_context():
        assert run_import(app, request.getfixturevalue("export")).exit_code == 0
        item = db.session.scalar(sa.select(AgendaItem).join(Deliberation))
        matrix = sensemaking.response_matrix(item)
        reactions = db.session.execute(
            sa.select(Reaction.membership_id, Reaction.post_id, Reaction.stance, Post.hidden)
            .join(Post, Post.id == Reaction.post_id)
            .where(Post.item_id == item.id)
        ).all()
        assert matrix.members == sorted({r.membership_id for r in reactions})
        assert matrix.posts == sorted({r.post_id for r in reactions})
        expected = np.full((len(matrix.members), len(matrix.posts)), np.nan)
        value = {"agree": 1.0, "disagree": -1.0, "pass": 0.0}
        for r in reactions:
            row, column = matrix.members.index(r.membership_id), matrix.posts.index(r.post_id)
            expected[row, column] = value[r.stance]
        assert np.array_equal(matrix.values, expected, equal_nan=True)
        hidden = {r.post_id for r in reactions if r.hidden}
        assert hidden and matrix.moderated.tolist() == [p in hidden for p in matrix.posts]
        assert {0.0, 1.0, -1.0} <= set(matrix.values[~np.isnan(matrix.values)].tolist())


def test_a_small_room_is_told_there_are_not_enough_participants_yet(client, world):
    post = make_post(world)
    assert react(client, world, post.id, "delegate").status_code == 200
    assert react(client, world, post.id, "delegate2", "disagree").status_code == 200
    body = opinions(client, world, world.item.id).get_json()
    assert body["clustered"] is False
    assert body["reason"] == "too_few_participants"
    assert body["groups"] == [] and body["representative"] == {}
    assert body["participants"] == {"responding": 2, "clustered": 0}
    assert [s["post"] for s in body["statements"]] == [post.id]


def test_opinions_are_for_readers_of_the_deliberation_only(client, world):
    response = client.get(
        f"/api/v1/items/{world.item.id}/opinions", headers=world.headers("outsider")
    )
    assert response.status_code in (403, 404)


def test_one_agree_from_every_group_is_not_yet_common_ground(client, world):
    post = make_post(world)
    react(client, world, post.id, "delegate")
    react(client, world, post.id, "delegate2")
    entry = client.get(
        f"/api/v1/items/{world.item.id}/common-ground", headers=world.headers("delegate")
    ).get_json()["items"][0]
    # The old measure says 100 %; the bridging interval says how little that means.
    assert entry["min_agreement"] == "1"
    assert entry["coverage"] == {"responding": 2, "seen": 2, "total": 2}
    assert entry["bridging"]["low"] < 0.5 < entry["bridging"]["high"]
    assert entry["qualifies"] is False


def test_a_group_that_has_not_responded_holds_a_statement_back(client, world):
    post = make_post(world)
    react(client, world, post.id, "delegate")
    entry = client.get(
        f"/api/v1/items/{world.item.id}/common-ground", headers=world.headers("delegate")
    ).get_json()["items"][0]
    assert entry["coverage"] == {"responding": 1, "seen": 1, "total": 2}
    assert entry["bridging"]["low"] < 0.05
    assert entry["qualifies"] is False


def test_the_page_explains_bridging_in_words_and_never_says_100_percent_from_one_response(
    app, client, world
):
    both = make_post(world, body="Both groups agree")
    one = make_post(world, body="Only one group answered")
    react(client, world, both.id, "delegate")
    react(client, world, both.id, "delegate2")
    react(client, world, one.id, "delegate")
    html = signed_in(app, "delegate").get(page_url(world)).get_data(as_text=True)
    assert html.index(f'id="cg-post-{both.id}"') < html.index(f'id="cg-post-{one.id}"')
    assert "Posts are ranked by the lower end of that range" in html
    assert "Not yet common ground: 1 of 2 groups has not responded." in html
    assert "Not yet common ground: the least convinced group agrees somewhere between" in html
    assert "100%" not in html and "100 %" not in html
    assert "2 of 2 groups responded" in html


def test_the_opinion_page_of_a_small_room_says_not_enough_yet(app, client, world):
    post = make_post(world)
    react(client, world, post.id, "delegate")
    url = f"/d/{world.deliberation.slug}/items/{world.item.id}/opinions"
    response = signed_in(app, "delegate").get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-opinions-status="too_few_participants"' in html
    assert "Not enough reactions yet" in html and "So far 0 have." in html
    assert "<polygon" not in html  # no invented group


@needs_shared_data
def test_the_opinion_map_of_a_real_conversation_and_its_table(app, client, world):
    assert run_import(app, POLIS / "brexit-consensus", "brexit-consensus").exit_code == 0
    item_id = db.session.scalar(
        sa.select(AgendaItem.id).join(Deliberation).where(Deliberation.slug == "brexit-consensus")
    )
    body = opinions(client, world, item_id, role="admin").get_json()
    html = (
        signed_in(app, "admin")
        .get(f"/d/brexit-consensus/items/{item_id}/opinions")
        .get_data(as_text=True)
    )
    assert html.count('r="3.5"') == body["participants"]["responding"]  # one dot each
    assert html.count("<polygon") == len(body["groups"])
    table = html[html.index('<table class="cg-opinion-table">') : html.index("</table>")]
    for group in body["groups"]:
        letter = chr(ord("A") + group["id"])
        assert f'<th scope="row">Opinion group {letter}</th><td>{group["size"]}</td>' in table
    assert "What sets each group apart" in html


def test_reactions_have_the_groups_recomputed_in_the_background_once_and_readers_do_not(
    app, client, world, monkeypatch
):
    app.config["OPINIONS_INTERVAL"] = 60
    sensemaking.forget()
    computed = []
    real = sensemaking.opinion_groups
    monkeypatch.setattr(
        sensemaking, "opinion_groups", lambda *a, **k: computed.append(1) or real(*a, **k)
    )
    tasks = []
    monkeypatch.setattr(
        sensemaking.socketio,
        "start_background_task",
        lambda task, *args: tasks.append((task, args)),
    )
    monkeypatch.setattr(sensemaking.socketio, "sleep", lambda seconds: None)
    post = make_post(world)
    react(client, world, post.id, "delegate")
    react(client, world, post.id, "delegate2", "disagree")
    assert len(tasks) == 1  # two reactions, one recomputation
    assert computed == []  # nothing computed while reacting
    task, args = tasks.pop()
    task(*args)
    assert computed == [1]
    for _ in range(3):
        body = opinions(client, world, world.item.id).get_json()
        assert body["participants"]["responding"] == 2
    assert computed == [1]  # readers found the fresh result
    # A later reaction schedules the next recomputation; meanwhile readers get the last result.
    react(client, world, post.id, "moderator", "pass")
    assert len(tasks) == 1
    assert opinions(client, world, world.item.id).get_json()["participants"]["responding"] == 2
    assert computed == [1]


def next_statement(client, world, role="delegate"):
    return client.get(f"/api/v1/items/{world.item.id}/next-statement", headers=world.headers(role))


def test_the_next_statement_is_one_not_yet_answered_and_being_shown_it_is_recorded(client, world):
    own = make_post(world, author="delegate", body="My own post")
    answered = make_post(world, author="delegate2", body="Answered")
    offered = make_post(world, author="delegate2", body="Not yet answered")
    react(client, world, answered.id, "delegate")
    response = next_statement(client, world)
    assert response.status_code == 200
    body = response.get_json()
    assert body["post"]["id"] == offered.id  # never one's own, never one answered
    assert body["remaining"] == 2  # own post included: it is not answered
    assert body["algorithm"]["name"] == "polis-priority"
    rows = db.session.execute(sa.select(Exposure.post_id, Exposure.times)).all()
    assert rows == [(offered.id, 1)]
    # Shown, not answered: no reaction was made, it is no pass.
    assert react_rows_for(offered.id) == []
    # Offered again when nothing else is left; then, answered, nothing is.
    assert next_statement(client, world).get_json()["post"]["id"] == offered.id
    assert db.session.scalar(sa.select(Exposure.times)) == 2
    react(client, world, offered.id, "delegate", "pass")
    body = next_statement(client, world).get_json()
    assert body["post"] is None and body["remaining"] == 1
    assert own.id != offered.id


def test_posts_never_shown_come_before_those_shown_already(client, world):
    first = make_post(world, author="delegate2", body="One")
    second = make_post(world, author="delegate2", body="Two")
    shown = {next_statement(client, world).get_json()["post"]["id"] for _ in range(2)}
    assert shown == {first.id, second.id}


def test_only_members_who_may_react_are_offered_statements(client, world):
    make_post(world, author="delegate2")
    assert next_statement(client, world, "admin").status_code == 403
    assert next_statement(client, world, "anonymous").status_code == 401


def react_rows_for(post_id: int) -> list:
    return db.session.execute(sa.select(Reaction.id).where(Reaction.post_id == post_id)).all()


def test_coverage_counts_the_groups_that_were_shown_a_post_apart_from_those_that_answered(
    client, world
):
    post = make_post(world, author="moderator")
    react(client, world, post.id, "delegate")
    assert next_statement(client, world, "delegate2").get_json()["post"]["id"] == post.id
    entry = client.get(
        f"/api/v1/items/{world.item.id}/common-ground", headers=world.headers("delegate")
    ).get_json()["items"][0]
    assert entry["coverage"] == {"responding": 1, "seen": 2, "total": 2}


def test_reacting_to_statements_one_at_a_time_without_javascript(app, world):
    first = make_post(world, author="delegate2", body="First statement")
    second = make_post(world, author="delegate2", body="Second statement")
    client = signed_in(app, "delegate")
    url = f"/d/{world.deliberation.slug}/items/{world.item.id}/react"
    seen = []
    for _ in range(2):
        html = client.get(url).get_data(as_text=True)
        post = first if f'id="cg-post-{first.id}"' in html else second
        assert post.id not in seen
        seen.append(post.id)
        token = csrf_token(client, url)
        response = client.post(
            f"/d/{world.deliberation.slug}/posts/{post.id}/reaction",
            data={"stance": "agree", "csrf_token": token, "next": url},
        )
        assert response.status_code == 303 and url in response.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "You have reacted to every post of this item you can react to." in html
    assert sorted(seen) == [first.id, second.id]
    item_page = client.get(f"/d/{world.deliberation.slug}/items/{world.item.id}")
    assert "?mode=react#react-mode" in item_page.get_data(as_text=True)


def test_the_item_page_has_a_mode_to_react_one_card_at_a_time(app, world):
    """``?mode=react`` on the item page shows one card from routing (its offer recorded as
    seen, not as a pass); reacting comes back to the mode with the next card; the card alone
    is served for the page's script to swap in."""
    first = make_post(world, author="delegate2", body="First statement")
    second = make_post(world, author="delegate2", body="Second statement")
    client = signed_in(app, "delegate")
    page = f"/d/{world.deliberation.slug}/items/{world.item.id}"
    plain = client.get(page).get_data(as_text=True)
    assert 'id="react-mode"' not in plain
    html = client.get(f"{page}?mode=react").get_data(as_text=True)
    assert 'id="react-mode"' in html and html.count("data-react-card") == 1
    shown = first if f'id="cg-post-{first.id}"' in html else second
    member = world.memberships["delegate"].id
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Exposure).where(Exposure.membership_id == member)
        )
        == 1
    )
    assert not db.session.scalars(sa.select(Reaction).where(Reaction.membership_id == member)).all()
    back = f"{page}?mode=react#react-mode"
    assert f'name="next" value="{back}"' in html
    response = client.post(
        f"/d/{world.deliberation.slug}/posts/{shown.id}/reaction",
        data={"stance": "pass", "csrf_token": csrf_token(client, page), "next": back},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(back)
    other = second if shown is first else first
    card = client.get(
        f"/d/{world.deliberation.slug}/items/{world.item.id}/react/card",
        query_string={"back": back},
    ).get_data(as_text=True)
    assert card.lstrip().startswith('<div id="react-card"')
    assert f'id="cg-post-{other.id}"' in card and f'id="cg-post-{shown.id}"' not in card
    observer = signed_in(app, "observer")
    assert 'id="react-mode"' not in observer.get(f"{page}?mode=react").get_data(as_text=True)


def test_the_one_at_a_time_page_says_why_nothing_can_be_reacted_to(app, world):
    make_post(world, author="delegate2")
    url = f"/d/{world.deliberation.slug}/items/{world.item.id}/react"
    assert signed_in(app, "admin").get(url).status_code == 403  # not a member
    world.item.status = "closed"
    db.session.commit()
    html = signed_in(app, "delegate").get(url).get_data(as_text=True)
    assert 'class="flash"' in html and "data-reaction-form" not in html
    assert db.session.scalar(sa.select(sa.func.count(Exposure.id))) == 0


def test_the_summary_editor_starts_from_a_cited_draft_on_request(app, world):
    agreed = make_post(world, author="delegate", body="Every model gets an audit.")
    split = make_post(world, author="delegate", body="Open weights for all.")
    for n in range(24):
        group = "governments" if n % 2 else "civil_society"
        member = voter(world, f"v{n}", group)
        db.session.add(Reaction(post_id=agreed.id, membership_id=member.id, stance="agree"))
        db.session.add(
            Reaction(
                post_id=split.id,
                membership_id=member.id,
                stance="agree" if group == "governments" else "disagree",
            )
        )
    db.session.commit()
    client = signed_in(app, "moderator")
    url = f"/d/{world.deliberation.slug}/items/{world.item.id}/summaries/new"
    plain = client.get(url).get_data(as_text=True)
    assert "?draft=1" in plain and "data-cited-draft" not in plain
    assert f"audit. [post #{agreed.id}]" not in textarea(plain, "agreements")
    html = client.get(f"{url}?draft=1").get_data(as_text=True)
    assert "data-cited-draft" in html
    assert f"Every model gets an audit. [post #{agreed.id}]" in textarea(html, "agreements")
    assert f"Open weights for all. [post #{split.id}]" in textarea(html, "divergences")
    # Nothing is saved until the moderator saves it.
    assert db.session.scalar(sa.select(sa.func.count(ConsensusSummary.id))) == 0
    assert signed_in(app, "delegate").get(f"{url}?draft=1").status_code == 403


def textarea(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    return html[start : html.index("</textarea>", start)]


@needs_shared_data
def test_the_record_keeps_the_opinion_groups_and_enough_to_recompute_bridging(app, client, world):
    from scipy.optimize import brentq
    from scipy.special import betainc
    from test_records_export import validate

    assert run_import(app, POLIS / "brexit-consensus", "brexit-consensus").exit_code == 0
    item_id = db.session.scalar(
        sa.select(AgendaItem.id).join(Deliberation).where(Deliberation.slug == "brexit-consensus")
    )
    response = client.get(
        "/api/v1/deliberations/brexit-consensus/record.json", headers=world.headers("admin")
    )
    record = response.get_json()
    validate(record)
    (kept,) = record["opinions"]
    live = opinions(client, world, item_id, role="admin").get_json()
    assert kept["algorithm"] == live["algorithm"]
    assert [g["size"] for g in kept["groups"]] == [g["size"] for g in live["groups"]]
    assert kept["consensus"] == live["consensus"]
    # Who is in which group stays out: counts by declared group only.
    assert all(set(group) == {"id", "size", "centre", "declared"} for group in kept["groups"])
    for group in kept["groups"]:
        assert sum(d["members"] for d in group["declared"]) == group["size"]
    # A think tank recomputes each post's bridging from the record alone: the reactions by
    # declared group (of the groups with members) and by opinion group.
    populated = {m["group"] for m in record["members"] if m["group"]}
    reactions = {p["id"]: p["reactions"] for p in record["posts"]}
    for row in kept["posts"]:
        groups = [g for g in reactions[row["post"]]["groups"] if g["key"] in populated]
        groups += row["opinion_groups"]
        sides = [(g["agree"] + 1.0, g["disagree"] + 1.0) for g in groups]

        def below(x, sides=sides):
            survive = 1.0
            for a, b in sides:
                survive *= 1 - betainc(a, b, x)
            return 1 - survive

        low = brentq(lambda x, below=below: below(x) - 0.025, 0, 1)
        assert abs(low - row["bridging"]["low"]) < 1e-5
        assert row["qualifies"] == (low > 0.5)


def two_camps(world, *, logged: bool = False) -> dict[int, bool]:
    """Twelve voters of two stakeholder groups in two camps that react oppositely to eight
    posts: membership id → in the first camp. ``logged``: through the service that writes
    each reaction's log leaf, else straight into the table."""
    from commonground.consensus.services import react as react_as

    posts = [make_post(world, author="moderator", body=f"Statement {n}") for n in range(8)]
    camp = {}
    for n in range(12):
        member = voter(world, f"v{n}", "governments" if n % 2 else "civil_society")
        camp[member.id] = n < 6
        for i, post in enumerate(posts):
            stance = "agree" if (i < 4) == camp[member.id] else "disagree"
            if logged:
                react_as(member.user, post, stance)
            else:
                db.session.add(Reaction(post_id=post.id, membership_id=member.id, stance=stance))
    db.session.commit()
    return camp


def test_a_member_sees_which_opinion_group_they_are_in_and_nobody_else(client, world):
    camp = two_camps(world)
    mine = world.memberships["v0"].id
    body = opinions(client, world, world.item.id, role="v0").get_json()
    assert body["clustered"] and len(body["groups"]) == 2
    assert sorted(m for g in body["groups"] for m in g["members"]) == [mine]
    assert sorted(g["size"] for g in body["groups"]) == [6, 6]
    everyone = opinions(client, world, world.item.id, role="moderator").get_json()
    together = next(g["members"] for g in everyone["groups"] if mine in g["members"])
    assert sorted(together) == sorted(m for m, first in camp.items() if first)


@needs_shared_data
def test_the_data_package_has_the_opinion_groups_and_bridging_tables(app, client, world):
    import io
    import zipfile

    import pandas as pd

    assert run_import(app, POLIS / "brexit-consensus", "brexit-consensus").exit_code == 0
    headers = world.headers("admin")
    record = client.get(
        "/api/v1/deliberations/brexit-consensus/record.json", headers=headers
    ).get_json()
    package = client.get("/api/v1/deliberations/brexit-consensus/record.zip", headers=headers)
    with zipfile.ZipFile(io.BytesIO(package.get_data())) as archive:
        names = {name.rsplit("/", 1)[-1]: name for name in archive.namelist()}
        groups = pd.read_csv(archive.open(names["opinion_groups.csv"]))
        bridging = pd.read_csv(archive.open(names["bridging.csv"]))
    (kept,) = record["opinions"]
    assert groups["size"].tolist() == [g["size"] for g in kept["groups"]]
    assert bridging["post"].tolist() == [row["post"] for row in kept["posts"]]
    assert bridging["qualifies"].tolist() == [row["qualifies"] for row in kept["posts"]]


def test_the_opinion_groups_recompute_from_the_reaction_leaves_of_the_record(client, world):
    """A think tank holds only the record: the latest reaction.change leaf of each member
    and post gives the matrix, and the algorithm the record names finds the same groups."""
    import json

    import numpy as np

    from commonground.consensus.opinions import OpinionParams, opinion_groups

    two_camps(world, logged=True)
    record = client.get(
        "/api/v1/deliberations/ai-2026/record.json", headers=world.headers("observer")
    ).get_json()
    (kept,) = (o for o in record["opinions"] if o["item"] == world.item.id)
    stances = {}
    for entry in record["log_leaves"]:
        if entry["event"] == "reaction.change":
            data = entry["data"]
            stances[(data["member"], data["post"])] = data["stance"]
    items_posts = {p["id"] for p in record["posts"] if p["item"] == world.item.id}
    members = sorted({m for m, p in stances if p in items_posts})
    posts = sorted({p for _, p in stances if p in items_posts})
    matrix = np.full((len(members), len(posts)), np.nan)
    value = {"agree": 1.0, "disagree": -1.0, "pass": 0.0}
    for (member, post), stance in stances.items():
        if post in items_posts:
            matrix[members.index(member), posts.index(post)] = value[stance]
    hidden = np.array([False] * len(posts))
    params = OpinionParams(**kept["algorithm"]["params"])
    again = opinion_groups(matrix, hidden, params)
    assert kept["clustered"] and again.clustered
    sizes = sorted(len(again.members(group)) for group in range(again.group_count))
    assert sizes == sorted(group["size"] for group in kept["groups"]) == [6, 6]
    assert json.dumps(kept["algorithm"])  # named with its version and parameters


def test_the_printable_record_shows_opinion_groups_and_bridging_with_their_algorithms(
    client, world
):
    two_camps(world)
    page = client.get(
        f"/api/v1/deliberations/ai-2026/record.html?item={world.item.id}",
        headers=world.headers("observer"),
    ).get_data(as_text=True)
    assert "<h3>Opinion groups</h3>" in page
    assert "Computed with polis-classic, version 1; parameters:" in page
    assert "min_responses = 7" in page and "k_max = 5" in page
    assert "Opinion group A" in page and "Opinion group B" in page
    assert "<h3>Agreement across all groups</h3>" in page
    assert "Computed with min-beta-posterior, version 1; parameters: level = 0.95" in page
    assert "groups responded" in page and "interval:" in page
    assert "100%" not in page.split("<h3>Agreement across all groups</h3>")[1]
    french = client.get(
        f"/api/v1/deliberations/ai-2026/record.html?item={world.item.id}&lang=fr",
        headers=world.headers("observer"),
    ).get_data(as_text=True)
    assert "Calculé avec polis-classic, version 1" in french
