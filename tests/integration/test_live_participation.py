"""Participation balance by stakeholder group (live/participation.py): posts, floor
interventions, reactions and ballots per group, checked against counts computed
independently here, in a constant number of queries, and served at
/api/v1/deliberations/<slug>/participation."""

import random
from collections import Counter
from fractions import Fraction

import pytest
import sqlalchemy as sa
from conftest import make_group, make_item, make_member, make_user
from jsonschema import Draft202012Validator

from commonground.db import db
from commonground.deliberations.models import Membership
from commonground.discussion.models import Post, Reaction
from commonground.live.participation import participation
from commonground.voting.models import Ballot, Motion

ACTIVITIES = ("posts", "floor_interventions", "reactions", "ballots")


def build_activity(world, seed: int, size: int):
    """Random posts (some floor interventions, one hidden), reactions and ballots by the
    members of every group, and one member without a group, in two items; plus a group
    nobody belongs to and activity in another deliberation that must not count."""
    rng = random.Random(seed)
    deliberation = world.deliberation
    make_group(deliberation, "enterprises", share=3, position=2)  # no members
    gov = world.groups["governments"]
    civ = world.groups["civil_society"]
    people = [
        world.memberships["delegate"],
        world.memberships["delegate2"],
        world.memberships["moderator"],  # without a group
    ]
    for index in range(size // 4 + 1):
        group = gov if index % 3 else civ
        user = make_user(f"p{seed}-{index}@example.org")
        people.append(make_member(user, deliberation, "delegate", group))
    second = make_item(deliberation, "Second item")
    items = [world.item, second]
    motions = [
        Motion(item_id=item.id, text=f"Motion {n}", rule={"kind": "majority"}, status="open")
        for item in items
        for n in range(2)
    ]
    db.session.add_all(motions)
    db.session.flush()
    posts = []
    for _ in range(size):
        post = Post(
            item_id=rng.choice(items).id,
            author_id=rng.choice(people).id,
            body="A point",
            language="en",
            path="",
            floor_intervention=rng.random() < 0.3,
            hidden=rng.random() < 0.05,
        )
        posts.append(post)
    db.session.add_all(posts)
    db.session.flush()
    for post in posts:
        for member in rng.sample(people, k=rng.randint(0, min(3, len(people)))):
            db.session.add(
                Reaction(
                    post_id=post.id,
                    membership_id=member.id,
                    stance=rng.choice(["agree", "disagree", "pass"]),
                )
            )
    for motion in motions:
        for member in rng.sample(people, k=rng.randint(0, len(people))):
            db.session.add(
                Ballot(motion_id=motion.id, membership_id=member.id, choice="yes", receipt="")
            )
    # Noise in another deliberation.
    elsewhere_group = make_group(world.other, "governments", share=5)
    outsider = make_member(world.users["outsider"], world.other, "delegate", elsewhere_group)
    elsewhere_item = make_item(world.other, "Elsewhere")
    db.session.add(
        Post(item_id=elsewhere_item.id, author_id=outsider.id, body="x", language="en", path="")
    )
    db.session.commit()
    return items


def independent_counts(deliberation, item=None) -> dict:
    """The same figures, counted one row at a time in Python."""
    members = {m.id: m for m in db.session.scalars(sa.select(Membership))}
    keys = {g.id: g.key for g in deliberation.groups}

    def group_of(member_id):
        member = members[member_id]
        if member.deliberation_id != deliberation.id:
            return "elsewhere"
        return keys.get(member.group_id)

    counts = {activity: Counter() for activity in ACTIVITIES}
    posts = {p.id: p for p in db.session.scalars(sa.select(Post))}
    motions = {m.id: m for m in db.session.scalars(sa.select(Motion))}
    for post in posts.values():
        if item is None or post.item_id == item.id:
            counts["posts"][group_of(post.author_id)] += 1
            if post.floor_intervention:
                counts["floor_interventions"][group_of(post.author_id)] += 1
    for reaction in db.session.scalars(sa.select(Reaction)):
        if item is None or posts[reaction.post_id].item_id == item.id:
            counts["reactions"][group_of(reaction.membership_id)] += 1
    for ballot in db.session.scalars(sa.select(Ballot)):
        if item is None or motions[ballot.motion_id].item_id == item.id:
            counts["ballots"][group_of(ballot.membership_id)] += 1
    counts["members"] = Counter(
        group_of(m.id) for m in members.values() if m.deliberation_id == deliberation.id
    )
    return counts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_by_group_match_an_independent_count(app, world, seed):
    items = build_activity(world, seed, size=60)
    deliberation = world.deliberation
    for item in (None, *items):
        result = participation(deliberation, item)
        expected = independent_counts(deliberation, item)
        assert result["item"] == (item.id if item else None)
        for row in result["groups"]:
            assert row["members"] == expected["members"][row["key"]], row["key"]
            for activity in ACTIVITIES:
                assert row[activity] == expected[activity][row["key"]], (row["key"], activity)
        for activity in ("members", *ACTIVITIES):
            assert result["ungrouped"][activity] == expected[activity][None], activity
            assert result["totals"][activity] == sum(
                n for key, n in expected[activity].items() if key != "elsewhere"
            )


def test_shares_expected_fractions_and_imbalance(app, world):
    """Governments (share 2) and civil society (share 1) both have members; enterprises
    (share 3) has none and so is expected to do nothing. Governments post 2, civil society
    6: observed 1/4 and 3/4 against expected 2/3 and 1/3 → index 5/12, imbalanced, civil
    society over, governments under."""
    make_group(world.deliberation, "enterprises", share=3, position=2)
    dee, dora = world.memberships["delegate"], world.memberships["delegate2"]
    for author in (dee, dee, *[dora] * 6):
        db.session.add(
            Post(item_id=world.item.id, author_id=author.id, body="x", language="en", path="")
        )
    db.session.commit()
    result = participation(world.deliberation)
    rows = {row["key"]: row for row in result["groups"]}
    assert [row["key"] for row in result["groups"]] == [
        "governments",
        "civil_society",
        "enterprises",
    ]
    assert (rows["governments"]["share"], rows["governments"]["expected"]) == (2, "2/3")
    assert (rows["civil_society"]["expected"], rows["enterprises"]["expected"]) == ("1/3", "0")
    assert rows["governments"]["fractions"]["posts"] == "1/4"
    assert rows["civil_society"]["fractions"]["posts"] == "3/4"
    assert rows["enterprises"]["fractions"]["posts"] == "0"
    assert rows["governments"]["fractions"]["ballots"] is None
    posts = result["imbalance"]["posts"]
    assert posts["index"] == str(Fraction(5, 12)) and posts["level"] == "imbalanced"
    assert (posts["over"], posts["under"]) == ("civil_society", "governments")
    assert result["imbalance"]["ballots"]["level"] is None


def count_queries(function) -> int:
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        function()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_the_figures_take_the_same_few_queries_whatever_the_volume(app, world):
    def counts() -> tuple[int, int]:
        db.session.expire_all()
        whole = count_queries(lambda: participation(world.deliberation))
        db.session.expire_all()
        return whole, count_queries(lambda: participation(world.deliberation, world.item))

    empty = counts()
    build_activity(world, seed=9, size=300)
    full = counts()
    # Groups, members, posts, reactions, ballots: five; plus the reload of the expired
    # deliberation (and of the expired item, for one item).
    assert empty == full
    assert max(full) <= 7


# --- the API ---------------------------------------------------------------------------------


def get(client, world, role="observer", query=""):
    return client.get(
        f"/api/v1/deliberations/ai-2026/participation{query}", headers=world.headers(role)
    )


def test_the_api_serves_the_figures_in_the_documented_shape(client, world):
    items = build_activity(world, seed=4, size=20)
    response = get(client, world, query=f"?item={items[1].id}")
    assert response.status_code == 200
    data = response.get_json()
    assert data == participation(world.deliberation, items[1])
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/deliberations/{slug}/participation"]["get"]
    schema = {
        **operation["responses"]["200"]["content"]["application/json"]["schema"],
        "components": document["components"],
    }
    assert not list(Draft202012Validator(schema).iter_errors(data))
    assert get(client, world, "delegate").get_json()["item"] is None


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 401), ("outsider", 403), ("delegate", 200)]
)
def test_who_may_read_the_figures(client, world, role, status):
    assert get(client, world, role).status_code == status


def test_an_item_of_another_deliberation_or_no_item_is_refused(client, world):
    elsewhere = make_item(world.other, "Elsewhere")
    db.session.commit()
    response = get(client, world, query=f"?item={elsewhere.id}")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "item"
    assert get(client, world, query="?item=abc").status_code == 422
    assert get(client, world, query="?item=99999").status_code == 404
