"""Secret ballots leak nowhere (issue 4): not over the API, not on the pages, to nobody —
moderators and administrators included. (Socket payloads: tests/realtime/test_voting_sockets.)

The strongest check is indistinguishability: two secret motions in which two delegates of the
same group and weight swap their choices must look exactly alike to everyone else, response
for response and page for page, once the motions' own ids and times are set aside. Whatever
differed would be a leak.
"""

import json
import re

import pytest
from conftest import login, make_item, make_member, make_token, make_user

from commonground.db import db

THIRD_PARTIES = ("observer", "moderator", "admin", "delegate2")


@pytest.fixture
def twin_votes(client, world):
    """Two closed secret motions on two items; ``delegate`` and ``delegate3`` (both
    governments, weight 1) swap yes and no between them; ``delegate2`` abstains in both."""
    twin = make_user("delegate3@example.org", "Dan Delegate")
    make_member(twin, world.deliberation, "delegate", world.groups["governments"])
    world.tokens["delegate3"] = make_token(twin)
    world.users["delegate3"] = twin
    second_item = make_item(world.deliberation, "Second item", body="Another text.")
    db.session.commit()
    moderator = world.headers("moderator")
    motions = []
    for item_id, (first, third) in (
        (world.item.id, ("yes", "no")),
        (second_item.id, ("no", "yes")),
    ):
        created = client.post(
            f"/api/v1/items/{item_id}/motions",
            json={"text": "Adopt the plan.", "rule": {"kind": "majority"}, "secret": True},
            headers=moderator,
        ).get_json()
        motion_id = created["id"]
        assert (
            client.post(f"/api/v1/motions/{motion_id}/open", headers=moderator).status_code == 200
        )
        for role, choice in (("delegate", first), ("delegate3", third), ("delegate2", "abstain")):
            response = client.put(
                f"/api/v1/motions/{motion_id}/ballot",
                json={"choice": choice},
                headers=world.headers(role),
            )
            assert response.status_code == 200
        motions.append((item_id, motion_id))
    return motions


def _normalise(text: str, item_id: int, motion_id: int) -> str:
    """Set aside what legitimately differs between the twins: ids, times, receipts."""
    text = re.sub(
        rf"(motions/|motion-|results-|support-|participation-|group-)({motion_id})\b", r"\1N", text
    )
    text = re.sub(rf'(data-(?!unread)[a-z-]+=")({motion_id}|{item_id})"', r'\1N"', text)
    text = re.sub(rf"(items/)({item_id})\b", r"\1N", text)
    text = re.sub(rf"Motion {motion_id}\b", "Motion N", text)
    text = re.sub(r"Item \d+\b", "Item N", text)
    text = re.sub(r'"(motion|id|item)": \d+', r'"\1": N', text)
    text = re.sub(r'"item": \{[^}]*\}', '"item": N', text)
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "TIME", text)
    text = re.sub(r"\d{1,2}:\d\d:\d\d", "TIME", text)
    text = re.sub(r"[0-9a-f]{64}", "HEX", text)
    text = re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", text)
    text = re.sub(r'name="csrf-token" content="[^"]+"', "CSRF", text)
    text = text.replace("Second item", "ITEM").replace("First item", "ITEM")
    return text.replace("Another text.", "TEXT").replace("The text of the first item.", "TEXT")


def _api_views(client, headers, item_id, motion_id) -> list[str]:
    urls = [
        f"/api/v1/items/{item_id}/motions",
        f"/api/v1/motions/{motion_id}",
        f"/api/v1/motions/{motion_id}/tally",
        f"/api/v1/motions/{motion_id}/ballot",
        f"/api/v1/motions/{motion_id}/ballots",
        f"/api/v1/motions/{motion_id}/receipts",
    ]
    views = []
    for url in urls:
        response = client.get(url, headers=headers)
        body = response.get_json()
        if isinstance(body, dict):
            body.pop("items", None) if url.endswith("/receipts") else None
            body.pop("digest", None)
            body.pop("receipt", None)
        views.append(f"{url} {response.status_code} {json.dumps(body, sort_keys=True)}")
    return views


def _page_views(browser, item_id, motion_id) -> list[str]:
    views = []
    for url in (
        f"/motions/{motion_id}",
        f"/motions/{motion_id}/results",
        f"/items/{item_id}/motions/section",
    ):
        response = browser.get(url)
        views.append(f"{url} {response.status_code} {response.get_data(as_text=True)}")
    return views


def _browser(app, user):
    """A browser signed in as ``user``, its welcome message already shown."""
    browser = app.test_client()
    login(browser, user.email)
    browser.get("/")
    return browser


def _close_both(client, world, twin_votes):
    for _, motion_id in twin_votes:
        response = client.post(
            f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator")
        )
        assert response.status_code == 200


@pytest.mark.parametrize("closed", [False, True], ids=["while-open", "after-close"])
def test_the_api_shows_third_parties_nothing_that_tells_the_twins_apart(
    client, world, twin_votes, closed
):
    if closed:
        _close_both(client, world, twin_votes)
    for role in THIRD_PARTIES:
        (item_a, motion_a), (item_b, motion_b) = twin_votes
        views_a = [
            _normalise(v, item_a, motion_a)
            for v in _api_views(client, world.headers(role), item_a, motion_a)
        ]
        views_b = [
            _normalise(v, item_b, motion_b)
            for v in _api_views(client, world.headers(role), item_b, motion_b)
        ]
        assert views_a == views_b, role


@pytest.mark.parametrize("closed", [False, True], ids=["while-open", "after-close"])
def test_the_pages_show_third_parties_nothing_that_tells_the_twins_apart(
    app, client, world, twin_votes, closed
):
    if closed:
        _close_both(client, world, twin_votes)
    for role in THIRD_PARTIES:
        browser = _browser(app, world.users[role])
        (item_a, motion_a), (item_b, motion_b) = twin_votes
        pages_a = [_normalise(v, item_a, motion_a) for v in _page_views(browser, item_a, motion_a)]
        pages_b = [_normalise(v, item_b, motion_b) for v in _page_views(browser, item_b, motion_b)]
        for page_a, page_b in zip(pages_a, pages_b, strict=True):
            assert page_a == page_b, (role, page_a[:80])


def test_no_response_about_a_secret_motion_names_a_voter(app, client, world, twin_votes):
    """Every API answer and page about the secret motions, for every role but the voters
    themselves, is searched for the voters' names, emails and membership ids."""
    _close_both(client, world, twin_votes)
    secrets = [
        world.users["delegate"].name,
        world.users["delegate3"].name,
        world.users["delegate"].email,
        world.users["delegate3"].email,
    ]
    member_ids = [str(world.memberships["delegate"].id)]
    for role in THIRD_PARTIES:
        browser = _browser(app, world.users[role])
        for item_id, motion_id in twin_votes:
            texts = _api_views(client, world.headers(role), item_id, motion_id)
            texts += _page_views(browser, item_id, motion_id)
            for text in texts:
                for secret in secrets:
                    assert secret not in text, (role, secret, text[:120])
            for text in texts[:6]:  # the JSON answers carry no membership id of a voter
                for member_id in member_ids:
                    assert f'"member": {member_id}' not in text
                    assert f'"membership_id": {member_id}' not in text


def test_a_voter_sees_their_own_choice_and_nobody_elses(app, client, world, twin_votes):
    browser = app.test_client()
    login(browser, world.users["delegate"].email)
    (_, motion_a), _ = twin_votes
    html = browser.get(f"/motions/{motion_a}").get_data(as_text=True)
    assert "Your ballot: Yes" in html
    assert "Dan Delegate" not in html and "Who voted what" not in html
    own = client.get(f"/api/v1/motions/{motion_a}/ballot", headers=world.headers("delegate3"))
    assert own.get_json()["choice"] == "no"


def test_a_moderator_cannot_see_a_secret_ballot_by_any_form_either(app, client, world, twin_votes):
    browser = app.test_client()
    login(browser, world.users["moderator"].email)
    _, motion_id = twin_votes[0]
    assert browser.get(f"/api/v1/motions/{motion_id}/ballots").status_code == 403
    assert browser.get(f"/motions/{motion_id}").status_code == 200
    # The moderator's own-ballot view says only that they are not a voter.
    own = browser.get(f"/api/v1/motions/{motion_id}/ballot").get_json()
    assert own["eligible"] is False and own["choice"] is None
