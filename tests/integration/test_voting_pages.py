"""The voting pages: the motions section of the item page, the motion page with its results,
and the moderators' forms — all working without JavaScript (issue 4)."""

import re

import pytest
import sqlalchemy as sa
from conftest import csrf_token, login

from commonground.db import db
from commonground.voting.models import Ballot, Motion

MAJORITY = {"kind": "majority"}


def _api_motion(client, world, *, status="open", rule=MAJORITY, secret=False) -> int:
    headers = world.headers("moderator")
    response = client.post(
        f"/api/v1/items/{world.item.id}/motions",
        json={"text": "Adopt the plan.", "rule": rule, "secret": secret},
        headers=headers,
    )
    motion_id = response.get_json()["id"]
    for step in {"draft": [], "open": ["open"], "closed": ["open", "close"]}[status]:
        assert (
            client.post(f"/api/v1/motions/{motion_id}/{step}", headers=headers).status_code == 200
        )
    return motion_id


def _api_vote(client, world, motion_id, role, choice):
    response = client.put(
        f"/api/v1/motions/{motion_id}/ballot", json={"choice": choice}, headers=world.headers(role)
    )
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def signed_in(app, world):
    """A browser signed in as the given role (a fresh client each)."""

    def browser(role):
        client = app.test_client()
        if role != "anonymous":
            login(client, world.users[role].email)
        return client

    return browser


def _item_url(world) -> str:
    return f"/d/{world.deliberation.slug}/items/{world.item.id}"


def _buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="choice" value="(\w+)"', html)


# --- the item page ---------------------------------------------------------------------------


def test_a_delegate_sees_the_open_motion_with_ballot_buttons(client, world, signed_in):
    _api_motion(client, world, status="draft")
    _api_motion(client, world)
    html = signed_in("delegate").get(_item_url(world)).get_data(as_text=True)
    assert 'id="motions"' in html
    assert html.count('class="card motion-card"') == 1  # the draft is not shown
    assert _buttons(html) == ["yes", "no", "abstain"]
    assert "You have not voted yet." in html
    assert "Live tally" in html


def test_block_is_offered_only_under_a_consensus_rule(client, world, signed_in):
    _api_motion(client, world, rule={"kind": "consensus", "threshold": "2/3"})
    html = signed_in("delegate").get(_item_url(world)).get_data(as_text=True)
    assert _buttons(html) == ["yes", "no", "abstain", "block"]


def _legend(html: str) -> str:
    return re.search(r'<ul class="vote-legend".*?</ul>', html, re.S).group(0)


def test_the_legend_names_block_only_under_a_consensus_rule(client, world, signed_in):
    majority = _api_motion(client, world)
    consensus = _api_motion(client, world, rule={"kind": "consensus", "threshold": "2/3"})
    reader = signed_in("delegate")
    assert "Block" not in _legend(reader.get(f"/motions/{majority}").get_data(as_text=True))
    assert "Block" in _legend(reader.get(f"/motions/{consensus}").get_data(as_text=True))


def test_readers_who_may_not_vote_see_the_tally_but_no_buttons(client, world, signed_in):
    _api_motion(client, world)
    for role in ("observer", "moderator", "admin"):
        html = signed_in(role).get(_item_url(world)).get_data(as_text=True)
        assert _buttons(html) == [], role
        assert "Live tally" in html, role


def test_moderators_get_the_open_close_and_propose_controls(client, world, signed_in):
    draft = _api_motion(client, world, status="draft")
    running = _api_motion(client, world)
    html = signed_in("moderator").get(_item_url(world)).get_data(as_text=True)
    assert f'action="/motions/{draft}/open"' in html
    assert f'action="/motions/{running}/close"' in html
    assert 'href="/items/1/motions/new"' in html
    delegate_html = signed_in("delegate").get(_item_url(world)).get_data(as_text=True)
    assert f'action="/motions/{running}/close"' not in delegate_html
    assert "motions/new" not in delegate_html


def test_an_item_without_motions_keeps_a_hidden_section_for_live_updates(world, signed_in):
    html = signed_in("delegate").get(_item_url(world)).get_data(as_text=True)
    assert re.search(r'<section id="motions"[^>]*\shidden', html)


# --- ballots by form -------------------------------------------------------------------------


def test_a_ballot_by_form_is_recorded_receipted_and_shown_back(client, world, signed_in):
    motion_id = _api_motion(client, world)
    browser = signed_in("delegate")
    next_url = _item_url(world) + "#motions"
    response = browser.post(
        f"/motions/{motion_id}/ballot",
        data={
            "choice": "no",
            "next": next_url,
            "csrf_token": csrf_token(browser, _item_url(world)),
        },
    )
    assert (response.status_code, response.headers["Location"]) == (303, next_url)
    html = browser.get(_item_url(world)).get_data(as_text=True)
    assert "Your ballot was recorded: No." in html
    assert "Your ballot: No" in html
    receipt = db.session.scalar(sa.select(Ballot.receipt).where(Ballot.motion_id == motion_id))
    assert f'<code dir="ltr" data-receipt>{receipt}</code>' in html
    assert re.search(r'value="no" class="choice-no"\s+aria-pressed="true"', html)


def test_a_refused_form_ballot_comes_back_as_a_message(client, world, signed_in):
    motion_id = _api_motion(client, world, status="closed")
    browser = signed_in("delegate")
    response = browser.post(
        f"/motions/{motion_id}/ballot",
        data={"choice": "yes", "csrf_token": csrf_token(browser, f"/motions/{motion_id}")},
        follow_redirects=True,
    )
    assert "This motion is not open for voting." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 0


def test_a_form_ballot_needs_the_csrf_token(client, world, signed_in):
    motion_id = _api_motion(client, world)
    response = signed_in("delegate").post(f"/motions/{motion_id}/ballot", data={"choice": "yes"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 0


def test_a_non_voter_form_ballot_is_refused(client, world, signed_in):
    motion_id = _api_motion(client, world)
    browser = signed_in("observer")
    response = browser.post(
        f"/motions/{motion_id}/ballot",
        data={"choice": "yes", "csrf_token": csrf_token(browser, f"/motions/{motion_id}")},
        follow_redirects=True,
    )
    assert "You are not among the delegates who may vote on this motion." in response.get_data(
        as_text=True
    )


# --- the moderators' forms -------------------------------------------------------------------


def test_a_moderator_proposes_opens_and_closes_a_motion_with_forms(world, signed_in):
    browser = signed_in("moderator")
    form_url = f"/items/{world.item.id}/motions/new"
    page = browser.get(form_url)
    assert page.status_code == 200
    token = csrf_token(browser, form_url)

    refused = browser.post(
        form_url, data={"text": "Adopt.", "kind": "supermajority", "csrf_token": token}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="motion-threshold"' in html and 'aria-invalid="true"' in html
    assert "is required for a supermajority rule" in html
    assert "Adopt." in html  # the typed text is kept

    created = browser.post(
        form_url,
        data={
            "text": "Adopt the plan.",
            "kind": "supermajority",
            "threshold": "2/3",
            "chamber_governments": "1/2",
            "secret": "on",
            "csrf_token": token,
        },
    )
    assert created.status_code == 303
    motion = db.session.scalar(sa.select(Motion))
    assert created.headers["Location"].endswith(f"/motions/{motion.id}")
    assert motion.secret is True and motion.status == "draft"
    assert motion.rule["threshold"] == "2/3"
    assert motion.rule["chamber_thresholds"] == {"governments": "1/2"}

    opened = browser.post(
        f"/motions/{motion.id}/open", data={"csrf_token": token}, follow_redirects=True
    )
    assert "The vote is open." in opened.get_data(as_text=True)
    closed = browser.post(
        f"/motions/{motion.id}/close", data={"csrf_token": token}, follow_redirects=True
    )
    html = closed.get_data(as_text=True)
    assert "The vote is closed and its result recorded." in html
    assert "Outcome: Rejected" in html  # nobody voted


def test_a_refused_chamber_threshold_is_reported_on_the_form(world, signed_in):
    browser = signed_in("moderator")
    form_url = f"/items/{world.item.id}/motions/new"
    response = browser.post(
        form_url,
        data={
            "text": "Adopt.",
            "kind": "majority",
            "chamber_governments": "7/5",
            "csrf_token": csrf_token(browser, form_url),
        },
    )
    assert response.status_code == 422
    assert 'id="motion-chambers-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "status"),
    [("delegate", 403), ("observer", 403), ("other_moderator", 403), ("admin", 200)],
)
def test_only_moderators_may_open_the_proposal_form(world, signed_in, role, status):
    assert signed_in(role).get(f"/items/{world.item.id}/motions/new").status_code == status


def test_the_anonymous_are_sent_to_sign_in(client, world):
    motion_id = _api_motion(client, world)
    for url in (f"/items/{world.item.id}/motions/new", f"/motions/{motion_id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_non_moderator_cannot_open_or_close_by_form(client, world, signed_in):
    motion_id = _api_motion(client, world)
    browser = signed_in("delegate")
    browser.post(
        f"/motions/{motion_id}/close",
        data={"csrf_token": csrf_token(browser, f"/motions/{motion_id}")},
    )
    assert db.session.get(Motion, motion_id).status == "open"


# --- the results -----------------------------------------------------------------------------


def _results_page(client, world, signed_in, *, lang="en", role="observer", secret=False):
    motion_id = _api_motion(client, world, secret=secret)
    _api_vote(client, world, motion_id, "delegate", "yes")
    _api_vote(client, world, motion_id, "delegate2", "no")
    return motion_id, signed_in(role).get(f"/motions/{motion_id}?lang={lang}")


def test_the_results_page_shows_support_participation_outcome_and_groups(client, world, signed_in):
    _, response = _results_page(client, world, signed_in)
    html = response.get_data(as_text=True)
    # groups scheme: (2·1 + 1·0) / 3 = 2/3
    assert "<strong>66.7%</strong>" in html and "(2/3)" in html
    assert "needs more than 50%" in html
    assert "Participation" in html and "<strong>100%</strong>" in html
    assert "If the vote closed now: Adopted" in html
    assert "Governments: Yes 1 of 1 eligible weight; agreement 100%." in html
    assert "Civil Society: No 1 of 1 eligible weight; agreement 0%." in html


def test_every_bar_has_a_text_alternative_and_the_numbers_a_table(client, world, signed_in):
    _, response = _results_page(client, world, signed_in)
    html = response.get_data(as_text=True)
    labelled = re.findall(r'<svg class="vote-bar"[^>]*role="img" aria-labelledby="([^"]+)"', html)
    assert len(labelled) == 4  # support, participation, two groups
    for label_id in labelled:
        assert f'id="{label_id}"' in html, label_id
    assert "<caption>Tally by stakeholder group (weights)</caption>" in html
    assert html.count('<th scope="row">') >= 3


def test_numbers_and_percentages_follow_the_readers_language(client, world, signed_in):
    _, response = _results_page(client, world, signed_in, lang="fr")
    assert "66,7\xa0%" in response.get_data(as_text=True)


def test_the_bars_grow_from_the_right_in_arabic(client, world, signed_in):
    _, response = _results_page(client, world, signed_in, lang="ar")
    html = response.get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert 'transform="matrix(-1 0 0 1 100 0)"' in html


def test_an_open_ballot_lists_who_voted_what_on_the_page(client, world, signed_in):
    _, response = _results_page(client, world, signed_in)
    html = response.get_data(as_text=True)
    assert "Who voted what" in html
    assert re.search(
        r"Dee Delegate</bdi></th>\s*<td>Governments</td>\s*<td>1</td>\s*<td>Yes</td>", html
    )


def test_a_closed_motion_shows_its_frozen_result_and_the_receipts_link(client, world, signed_in):
    motion_id = _api_motion(client, world)
    _api_vote(client, world, motion_id, "delegate", "yes")
    client.post(f"/api/v1/motions/{motion_id}/close", headers=world.headers("moderator"))
    html = signed_in("delegate").get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Outcome: Adopted" in html and "Live tally" not in html
    assert f"/api/v1/motions/{motion_id}/receipts" in html
    assert _buttons(html) == []
    # The group nobody voted in has no agreement, and never will: not "none yet".
    assert "none yet" not in html and "agreement none (no ballots)." in html


def test_the_fragments_the_live_page_swaps_in_follow_the_same_access_rules(
    client, world, signed_in
):
    motion_id = _api_motion(client, world)
    observer = signed_in("observer")
    section = observer.get(f"/items/{world.item.id}/motions/section")
    assert section.status_code == 200 and "data-voting-section" in section.get_data(as_text=True)
    results = observer.get(f"/motions/{motion_id}/results")
    assert results.status_code == 200 and "Live tally" in results.get_data(as_text=True)
    outsider = signed_in("other_moderator")
    assert outsider.get(f"/items/{world.item.id}/motions/section").status_code == 403
    assert outsider.get(f"/motions/{motion_id}/results").status_code == 403


def test_anyone_reads_the_motions_of_a_public_deliberation_without_buttons(client):
    from test_voting_world import build_electorate, cast, open_motion

    electorate = build_electorate("members", {"all": 1}, [("all", 2), ("all", 1)], public=True)
    motion_id = open_motion(client, electorate, MAJORITY)
    cast(client, motion_id, electorate.voters[0], "yes")
    item_page = client.get(f"/d/{electorate.slug}/items/{electorate.item_id}")
    html = item_page.get_data(as_text=True)
    assert item_page.status_code == 200
    assert "Live tally" in html and _buttons(html) == []
    motion_page = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Tally by stakeholder group (weights)" in motion_page
    assert "Your ballot:" not in motion_page and "data-ballot-form" not in motion_page
