"""Building blocks of the voting tests: electorates of any shape, and motions run through the
real HTTP API. The tests at the end check the blocks themselves.

Usable on SQLite (``app``) and PostgreSQL (``pg_app``) alike: nothing here depends on the
``world`` fixture.
"""

from dataclasses import dataclass, field
from itertools import count

from conftest import make_deliberation, make_group, make_item, make_member, make_token, make_user

from commonground.db import db

_serial = count(1)


@dataclass
class Voter:
    """A delegate of an electorate: membership, group key, weight, API headers."""

    membership_id: int
    user_id: int
    name: str
    group: str
    weight: int
    headers: dict


@dataclass
class Electorate:
    """An open deliberation with one open item, a moderator and delegates."""

    slug: str
    deliberation_id: int
    item_id: int
    moderator: dict
    voters: list[Voter] = field(default_factory=list)


def build_electorate(
    scheme: str, groups: dict[str, int], delegates: list[tuple[str, int]], *, public=False
) -> Electorate:
    """A deliberation with ``groups`` ({key: share}) and one delegate per (group key, weight)
    of ``delegates``, plus a moderator; everything committed."""
    serial = next(_serial)
    slug = f"vote-{serial}"
    deliberation = make_deliberation(slug, scheme=scheme, public=public)
    made = {
        key: make_group(deliberation, key, share=share, position=position)
        for position, (key, share) in enumerate(groups.items())
    }
    item = make_item(deliberation, "The item put to the vote")
    moderator = make_user(f"mod-{serial}@example.org", f"Moderator {serial}")
    make_member(moderator, deliberation, "moderator")
    electorate = Electorate(
        slug, deliberation.id, item.id, {"Authorization": f"Bearer {make_token(moderator)}"}
    )
    for index, (key, weight) in enumerate(delegates):
        name = f"Voter {serial}-{index} {key}"
        user = make_user(f"voter-{serial}-{index}@example.org", name)
        membership = make_member(user, deliberation, "delegate", made[key], weight)
        electorate.voters.append(
            Voter(
                membership.id,
                user.id,
                name,
                key,
                weight,
                {"Authorization": f"Bearer {make_token(user)}"},
            )
        )
    db.session.commit()
    return electorate


def create_motion(client, electorate: Electorate, rule: dict, *, secret=False, text=None):
    """Create a draft motion as the moderator; returns its JSON."""
    response = client.post(
        f"/api/v1/items/{electorate.item_id}/motions",
        json={"text": text or "The assembly adopts the text.", "rule": rule, "secret": secret},
        headers=electorate.moderator,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def open_motion(client, electorate: Electorate, rule: dict, *, secret=False) -> int:
    """Create and open a motion; returns its id."""
    motion_id = create_motion(client, electorate, rule, secret=secret)["id"]
    response = client.post(f"/api/v1/motions/{motion_id}/open", headers=electorate.moderator)
    assert response.status_code == 200, response.get_json()
    return motion_id


def cast(client, motion_id: int, voter: Voter, choice: str):
    """PUT the voter's ballot; returns the response."""
    return client.put(
        f"/api/v1/motions/{motion_id}/ballot", json={"choice": choice}, headers=voter.headers
    )


def close(client, electorate: Electorate, motion_id: int) -> dict:
    """Close the motion as the moderator; returns the frozen result."""
    response = client.post(f"/api/v1/motions/{motion_id}/close", headers=electorate.moderator)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def run_vote(client, electorate: Electorate, rule: dict, choices, *, secret=False) -> dict:
    """Open a motion, cast ``choices`` (one per voter, None to abstain from voting at all)
    through the API, close it; returns the frozen result."""
    motion_id = open_motion(client, electorate, rule, secret=secret)
    for voter, choice in zip(electorate.voters, choices, strict=True):
        if choice is not None:
            response = cast(client, motion_id, voter, choice)
            assert response.status_code == 200, response.get_json()
    return close(client, electorate, motion_id)


# --- the blocks work -----------------------------------------------------------------------


def test_an_electorate_votes_through_the_api(client):
    electorate = build_electorate("members", {"all": 1}, [("all", 2), ("all", 1)])
    result = run_vote(client, electorate, {"kind": "majority"}, ["yes", "no"])
    assert (result["yes"], result["no"], result["support"]) == (2, 1, "2/3")
    assert result["outcome"] == "adopted"


def test_a_voter_who_does_not_vote_lowers_participation_only(client):
    electorate = build_electorate("members", {"all": 1}, [("all", 1), ("all", 3)])
    result = run_vote(client, electorate, {"kind": "majority"}, ["yes", None])
    assert result["participation"] == "1/4"
    assert result["support"] == "1"
