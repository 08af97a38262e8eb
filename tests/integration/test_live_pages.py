"""The moderator's console and the live session panel, as pages and plain forms (no
JavaScript): who sees what, every console form, and the delegates' floor requests."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_token, login, make_item

from commonground.accounts.services import erase_account
from commonground.db import db, utcnow
from commonground.live.models import Announcement, FloorRequest, SessionState
from commonground.records.models import AuditEvent

CONSOLE = "/d/ai-2026/console"
EMAILS = {
    "admin": "admin@example.org",
    "moderator": "mod@example.org",
    "other_moderator": "othermod@example.org",
    "delegate": "delegate@example.org",
    "delegate2": "delegate2@example.org",
    "observer": "observer@example.org",
    "outsider": "outsider@example.org",
}


def signed_in(client, role):
    if role != "anonymous":
        login(client, EMAILS[role])
    return client


def form(client, path, data=None):
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})})


def session_row(world):
    db.session.expire_all()
    return db.session.get(SessionState, world.deliberation.id)


def api(client, world, path, body=None, role="moderator"):
    response = client.post(
        f"/api/v1/deliberations/ai-2026{path}", json=body, headers=world.headers(role)
    )
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


# --- the console -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("observer", 403),
        ("delegate", 403),
        ("other_moderator", 403),
        ("moderator", 200),
        ("admin", 200),
    ],
)
def test_the_console_is_for_moderators_and_admins(client, world, role, status):
    response = signed_in(client, role).get(CONSOLE)
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]


def test_the_console_shows_the_agenda_queue_round_announcements_members_and_balance(client, world):
    api(client, world, "/session/current", {"item": world.item.id})
    api(client, world, "/session/round/start", {"title": "Opening statements", "seconds": 300})
    api(client, world, "/session/floor/request", {"item": world.item.id}, role="delegate")
    api(client, world, "/session/floor/request", {"item": world.item.id}, role="delegate2")
    api(client, world, "/session/announcements", {"text": "Welcome, delegates"})
    html = signed_in(client, "moderator").get(CONSOLE).get_data(as_text=True)
    assert "Now: Item 1 — First item" in html
    assert "Opening statements" in html and 'data-ends-at="' in html
    assert "Welcome, delegates" in html
    assert f'<tr data-item="{world.item.id}" class="is-current"' in html
    plain = html[html.index('data-queue="plain"') : html.index('data-queue="balanced"')]
    assert plain.index("Dee Delegate") < plain.index("Dora Delegate")
    assert "Balanced by group" in html and "Give the floor" in html
    assert "Participation balance" in html and "<svg" in html
    assert "Olga Observer" in html and ">Mute<" in html
    assert '<script type="application/json" id="live-console-config">' in html
    assert "<script>" not in html  # the CSP forbids inline scripts


def test_the_console_forms_run_a_session_without_javascript(client, world):
    signed_in(client, "moderator")
    response = form(client, f"{CONSOLE}/current", {"item": world.item.id})
    assert response.status_code == 303 and response.headers["Location"].endswith("#now")
    assert session_row(world).current_item_id == world.item.id

    form(client, f"{CONSOLE}/round/start", {"title": "Round one", "minutes": "3"})
    row = session_row(world)
    assert row.round_title == "Round one"
    ends_at = row.round_ends_at
    form(client, f"{CONSOLE}/round/extend", {"seconds": "60"})
    assert (session_row(world).round_ends_at - ends_at).total_seconds() == 60
    form(client, f"{CONSOLE}/round/stop")
    assert session_row(world).round_ends_at is None

    api(client, world, "/session/floor/request", {"item": world.item.id}, role="delegate")
    api(client, world, "/session/floor/request", {"item": world.item.id}, role="delegate2")
    form(client, f"{CONSOLE}/floor/grant", {"member": world.memberships["delegate"].id})
    assert session_row(world).speaker_id == world.memberships["delegate"].id
    form(client, f"{CONSOLE}/floor/skip", {"member": world.memberships["delegate"].id})
    form(client, f"{CONSOLE}/floor/clear")
    statuses = sorted(r.status for r in db.session.scalars(sa.select(FloorRequest)))
    assert statuses == ["done", "skipped"]

    form(client, f"{CONSOLE}/announcements", {"text": "Lunch at one", "language": "en"})
    assert db.session.scalar(sa.select(Announcement.text)) == "Lunch at one"

    member = world.memberships["delegate2"]
    form(client, f"{CONSOLE}/members/{member.id}/mute", {"muted": "1"})
    db.session.expire_all()
    assert member.muted is True
    form(client, f"{CONSOLE}/members/{member.id}/mute", {"muted": "0"})
    db.session.expire_all()
    assert member.muted is False

    second = make_item(world.deliberation, "Second", status="pending")
    db.session.commit()
    form(client, f"{CONSOLE}/items/{second.id}/status", {"status": "open"})
    db.session.expire_all()
    assert second.status == "open"

    form(client, f"{CONSOLE}/current", {"item": ""})
    assert session_row(world).current_item_id is None
    html = client.get(CONSOLE).get_data(as_text=True)
    assert "No agenda item is under discussion." in html


def test_a_refused_console_form_says_why_on_the_console(client, world):
    signed_in(client, "moderator")
    response = form(client, f"{CONSOLE}/round/extend", {"seconds": "60"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No round is running." in page
    response = form(client, f"{CONSOLE}/round/start", {"minutes": "lots"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "whole number" in page


def test_the_console_offers_no_mute_button_for_the_moderator_themself(client, world):
    signed_in(client, "moderator")
    page = client.get(CONSOLE).get_data(as_text=True)
    own, delegate = world.memberships["moderator"].id, world.memberships["delegate"].id
    assert f"/members/{delegate}/mute" in page
    assert f"/members/{own}/mute" not in page
    response = form(client, f"{CONSOLE}/members/{own}/mute", {"muted": "1"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot mute yourself." in page
    db.session.expire_all()
    assert world.memberships["moderator"].muted is False


@pytest.mark.parametrize("role", ["delegate", "observer", "other_moderator"])
def test_console_forms_refuse_non_moderators_and_change_nothing(client, world, role):
    signed_in(client, role)
    for path, data in [
        ("/current", {"item": world.item.id}),
        ("/round/start", {"minutes": "3"}),
        ("/announcements", {"text": "Hijack"}),
        ("/announcements/clear", {}),
        (f"/members/{world.memberships['delegate'].id}/mute", {"muted": "1"}),
        (f"/items/{world.item.id}/status", {"status": "closed"}),
    ]:
        assert form(client, f"{CONSOLE}{path}", data).status_code == 403, path
    assert session_row(world) is None
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0
    db.session.expire_all()
    assert world.item.status == "open" and not world.memberships["delegate"].muted


def test_console_forms_need_the_csrf_token(client, world):
    signed_in(client, "moderator")
    response = client.post(f"{CONSOLE}/current", data={"item": world.item.id})
    assert response.status_code == 400
    assert session_row(world) is None


def test_the_participation_fragment_reloads_for_moderators_only(client, world):
    signed_in(client, "moderator")
    response = client.get(f"{CONSOLE}/participation")
    assert response.status_code == 200
    assert "data-participation" in response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    signed_in(client, "delegate")
    assert client.get(f"{CONSOLE}/participation").status_code == 403


# --- the participants' panel -----------------------------------------------------------------


def test_an_idle_session_shows_no_panel_but_moderators_find_the_console(client, world):
    html = signed_in(client, "delegate").get("/d/ai-2026").get_data(as_text=True)
    assert re.search(r"<aside[^>]*data-live-session[^>]* hidden", html)
    assert "/d/ai-2026/console" not in html
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    html = signed_in(client, "moderator").get("/d/ai-2026").get_data(as_text=True)
    assert "Open the session console" in html


@pytest.mark.parametrize("page", ["/d/ai-2026", "/d/ai-2026/items/{item}"])
def test_the_panel_shows_the_session_to_every_participant(client, world, page):
    api(client, world, "/session/current", {"item": world.item.id})
    api(client, world, "/session/round/start", {"title": "Statements", "seconds": 120})
    api(client, world, "/session/floor/request", {"item": world.item.id}, role="delegate2")
    api(client, world, "/session/floor/grant", {"member": world.memberships["delegate2"].id})
    api(client, world, "/session/floor/request", {"item": world.item.id}, role="delegate")
    api(client, world, "/session/announcements", {"text": "Mind the time", "language": "en"})
    html = signed_in(client, "observer").get(page.format(item=world.item.id)).get_data(as_text=True)
    panel = html[html.index("data-live-session") : html.index("</aside>")]
    assert "Mind the time" in panel and 'lang="en"' in panel
    assert "Now: Item 1 — First item" in panel
    assert "Statements" in panel and "data-ends-at=" in panel
    assert "Speaking now: <bdi>Dora Delegate</bdi>" in panel
    assert "Dee Delegate" in panel and "Governments" in panel
    # An observer may not post, so may not ask for the floor.
    assert re.search(r'data-floor-form="request"\s+hidden', panel)


def test_a_delegate_requests_and_withdraws_the_floor_without_javascript(client, world):
    api(client, world, "/session/current", {"item": world.item.id})
    signed_in(client, "delegate")
    item_page = f"/d/ai-2026/items/{world.item.id}"
    html = client.get(item_page).get_data(as_text=True)
    assert re.search(r'data-floor-form="request">', html)  # shown
    response = form(client, "/d/ai-2026/floor/request", {"item": world.item.id, "next": item_page})
    assert response.status_code == 303 and response.headers["Location"].endswith(item_page)
    html = client.get(item_page).get_data(as_text=True)
    assert (
        "You are in the speakers&#39; queue." in html or "You are in the speakers' queue." in html
    )
    assert re.search(r'data-floor-form="withdraw">', html)
    form(client, "/d/ai-2026/floor/withdraw", {"item": world.item.id, "next": item_page})
    statuses = [r.status for r in db.session.scalars(sa.select(FloorRequest))]
    assert statuses == ["withdrawn"]


def test_a_refused_floor_request_says_why(client, world):
    signed_in(client, "delegate")
    response = form(client, "/d/ai-2026/floor/request", {"item": world.item.id})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "only be requested on the item the session is on now" in page
    assert db.session.scalar(sa.select(sa.func.count(FloorRequest.id))) == 0


def test_the_panel_next_address_stays_on_the_site(client, world):
    api(client, world, "/session/current", {"item": world.item.id})
    signed_in(client, "delegate")
    response = form(
        client, "/d/ai-2026/floor/request", {"item": world.item.id, "next": "https://evil.example/"}
    )
    assert response.headers["Location"].startswith("/")


def test_anonymous_readers_of_a_public_deliberation_see_the_panel_without_forms(client, world):
    world.deliberation.is_public = True
    db.session.commit()
    api(client, world, "/session/current", {"item": world.item.id})
    html = client.get("/d/ai-2026").get_data(as_text=True)
    panel = html[html.index("data-live-session") : html.index("</aside>")]
    assert "Now: Item 1 — First item" in panel
    assert re.search(r'data-floor-form="request"\s+hidden', panel)
    assert re.search(r'data-floor-form="withdraw"\s+hidden', panel)
    assert '"signed_in": false' in panel


def test_a_round_whose_time_ran_out_reads_time_is_up_without_javascript(client, world):
    api(client, world, "/session/current", {"item": world.item.id})
    api(client, world, "/session/round/start", {"title": "Opening", "seconds": 60})
    page = signed_in(client, "delegate").get(f"/d/ai-2026/items/{world.item.id}")
    assert "ends at" in page.get_data(as_text=True)
    row = session_row(world)
    row.round_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    html = client.get(f"/d/ai-2026/items/{world.item.id}").get_data(as_text=True)
    assert "Time is up" in html and "ends at" not in html


def test_a_finished_round_reads_time_is_up_then_leaves_the_panel(app, client, world):
    app.config["ROUND_FINISHED_TTL"] = 120
    api(client, world, "/session/current", {"item": world.item.id})
    api(client, world, "/session/round/start", {"title": "Opening", "seconds": 60})
    row = session_row(world)
    row.round_ends_at = utcnow() - timedelta(seconds=121)
    db.session.commit()
    html = (
        signed_in(client, "delegate")
        .get(f"/d/ai-2026/items/{world.item.id}")
        .get_data(as_text=True)
    )
    assert re.search(r"data-now-round\s+hidden", html)
    # The console keeps it, finished, until a moderator stops or extends it.
    console = signed_in(client, "moderator").get(CONSOLE).get_data(as_text=True)
    assert "Time is up" in console and "ends at" not in console


def test_the_panel_shows_the_announcements_time_and_the_console_clears_it(client, world):
    api(client, world, "/session/announcements", {"text": "Mind the time", "language": "en"})
    page = signed_in(client, "delegate").get(f"/d/ai-2026/items/{world.item.id}")
    html = page.get_data(as_text=True)
    assert re.search(r"Announcement at \d{1,2}:\d\d\W*[AP]M:", html)
    fragment = client.get("/d/ai-2026/session/announcement").get_data(as_text=True)
    assert "Mind the time" in fragment and 'dir="auto"' in fragment
    signed_in(client, "moderator")
    response = form(client, f"{CONSOLE}/announcements/clear")
    assert response.status_code == 303
    html = client.get(f"/d/ai-2026/items/{world.item.id}").get_data(as_text=True)
    assert "Mind the time" not in html.split("data-announcement ")[1].split("</div>")[0]
    assert client.get("/d/ai-2026/session/announcement").get_data(as_text=True).strip() == ""


def test_the_console_names_an_erased_member_as_a_former_member(client, world):
    erase_account(world.users["observer"], confirm=True)
    db.session.commit()
    html = signed_in(client, "moderator").get(CONSOLE).get_data(as_text=True)
    members = html[html.index('id="members"') :]
    assert "Olga Observer" not in members
    assert "Former member" in members
