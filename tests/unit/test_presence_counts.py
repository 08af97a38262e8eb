"""The running presence counts (in memory and in Redis) always equal a full recount of the
entries, whatever order sockets join, leave and disconnect in; and an announcement is
claimed once per change, by one process."""

from collections import Counter

import pytest
from conftest import redis_for_test
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.realtime.presence import MemoryPresence, RedisPresence, page_of_members

USERS = {1: "governments", 2: "governments", 3: "civil_society", 4: None}


def presence_of(kind: str):
    if kind == "memory":
        return MemoryPresence()
    return RedisPresence(*redis_for_test())


def recount(entries: list[dict]) -> dict:
    users = {e["user"]: e for e in entries}
    groups = Counter(e["group"] for e in users.values() if e["group"])
    return {"online": len(users), "by_group": dict(sorted(groups.items()))}


def entry(user: int) -> dict:
    return {
        "user": user,
        "member": user,
        "name": f"User {user}",
        "group": USERS[user],
        "role": "delegate",
    }


operations = st.lists(
    st.tuples(
        st.sampled_from(["join", "leave", "drop"]),
        st.integers(1, 2),  # item
        st.sampled_from([f"s{n}" for n in range(6)]),  # socket
        st.sampled_from(sorted(USERS)),  # user of the socket when it joins
    ),
    max_size=40,
)


@pytest.mark.parametrize("kind", ["memory", "redis"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_running_counts_equal_a_full_recount(kind, ops):
    presence = presence_of(kind)
    owner: dict[str, int] = {}  # a socket speaks for one user
    for op, item, sid, user in ops:
        if op == "join":
            user = owner.setdefault(sid, user)
            counts = presence.join(item, sid, entry(user))
            assert counts == recount(presence.entries(item))
        elif op == "leave":
            presence.leave(item, sid)
        else:
            presence.drop(sid)
        for each in (1, 2):
            assert presence.counts(each) == recount(presence.entries(each))


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_an_announcement_is_claimed_once_per_change(kind):
    presence = presence_of(kind)
    assert presence.claim_announcement(1, 0) == (None, 0)  # nothing happened yet
    presence.join(1, "a", entry(1))
    presence.join(1, "b", entry(3))
    assert presence.claim_announcement(1, 0) == (
        {"online": 2, "by_group": {"civil_society": 1, "governments": 1}},
        0,
    )
    assert presence.claim_announcement(1, 0) == (None, 0)  # another process finds it sent
    presence.join(1, "a", entry(1))  # the same socket again: no change
    assert presence.claim_announcement(1, 0) == (None, 0)
    presence.drop("b")
    assert presence.claim_announcement(1, 0) == ({"online": 1, "by_group": {"governments": 1}}, 0)


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_a_room_hears_at_most_one_announcement_per_interval(kind):
    presence = presence_of(kind)
    presence.join(1, "a", entry(1))
    counts, wait = presence.claim_announcement(1, 60)
    assert counts == {"online": 1, "by_group": {"governments": 1}} and wait == 0
    presence.join(1, "b", entry(3))
    counts, wait = presence.claim_announcement(1, 60)  # changed, but too soon
    assert counts is None and 59 < wait <= 60
    assert presence.claim_announcement(2, 60) == (None, 0)  # each room has its own interval


def test_the_member_list_is_paged_by_name_with_each_user_once():
    entries = [entry(3), entry(1), entry(1), entry(2), entry(4)]
    first = page_of_members(entries, 1, 3)
    assert [m["name"] for m in first["members"]] == ["User 1", "User 2", "User 3"]
    assert first["next"] == 2
    second = page_of_members(entries, 2, 3)
    assert [m["name"] for m in second["members"]] == ["User 4"] and second["next"] is None
    assert page_of_members(entries, 9, 3) == {"members": [], "page": 9, "next": None}
