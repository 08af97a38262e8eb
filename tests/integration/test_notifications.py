"""Notifications over HTTP: each kind is created by the real action that causes it, reaches
only the member it concerns, is listed with its kind and links, marked read, and follows the
member's settings; bad input is a 422 JSON error; the page and the agenda's markers."""

import pytest
import sqlalchemy as sa
from conftest import ROLES, csrf_token, login, make_item

from commonground.db import db
from commonground.notifications.models import Notification

NOTIFICATIONS = "/api/v1/me/notifications"


def post(client, world, role, body, parent=None):
    response = client.post(
        f"/api/v1/items/{world.item.id}/posts",
        json={"body": body, "parent": parent, "language": "en"},
        headers=world.headers(role),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def listed(client, world, role, **params):
    response = client.get(NOTIFICATIONS, query_string=params, headers=world.headers(role))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(client, world, role) -> list[str]:
    return [n["kind"] for n in listed(client, world, role)["items"]]


def moderator_does(client, world, path, body=None, status=200):
    response = client.post(path, json=body, headers=world.headers("moderator"))
    assert response.status_code == status, response.get_json()
    return response.get_json()


# --- each kind ---------------------------------------------------------------------------


def test_a_reply_notifies_the_author_of_the_post_and_no_one_else(client, world):
    original = post(client, world, "delegate", "Audits first.")
    reply = post(client, world, "delegate2", "Why audits?", parent=original)

    mine = listed(client, world, "delegate")
    assert mine["unread"] == 1
    [notification] = mine["items"]
    assert notification["kind"] == "reply"
    assert notification["post"] == reply
    assert notification["item"] == world.item.id
    assert notification["deliberation"] == "ai-2026"
    assert notification["actor"] == {"name": "Dora Delegate"}
    assert notification["read"] is False
    assert notification["url"].endswith(f"/items/{world.item.id}#post-{reply}")
    for role in ("delegate2", "observer", "moderator", "admin", "outsider"):
        assert kinds(client, world, role) == [], role


def test_replying_to_oneself_notifies_nobody(client, world):
    original = post(client, world, "delegate", "A thought.")
    post(client, world, "delegate", "And another.", parent=original)
    assert kinds(client, world, "delegate") == []


def test_a_mention_by_handle_notifies_that_member_in_any_case_once(client, world):
    post(client, world, "delegate", "I agree with @dora_delegate and @DORA_Delegate, ask @nobody.")
    [notification] = listed(client, world, "delegate2")["items"]
    assert notification["kind"] == "mention"
    assert notification["actor"] == {"name": "Dee Delegate"}
    # An e-mail address mentions no one; an outsider's handle reaches no one.
    post(client, world, "delegate", "Write to olga_observer@example.org, or @oscar_outsider.")
    assert kinds(client, world, "observer") == []
    assert kinds(client, world, "outsider") == []


def test_a_reply_that_also_mentions_the_author_is_one_notification(client, world):
    original = post(client, world, "delegate", "Audits first.")
    post(client, world, "delegate2", "@Dee_Delegate why?", parent=original)
    assert kinds(client, world, "delegate") == ["reply"]


def test_motions_opened_and_closed_notify_who_took_part_in_the_item(client, world):
    post(client, world, "delegate", "I took part.")
    motion = moderator_does(
        client,
        world,
        f"/api/v1/items/{world.item.id}/motions",
        {"text": "Adopt.", "rule": {"kind": "majority"}},
        status=201,
    )["id"]
    moderator_does(client, world, f"/api/v1/motions/{motion}/open")
    assert kinds(client, world, "delegate") == ["motion_opened"]
    response = client.put(
        f"/api/v1/motions/{motion}/ballot",
        json={"choice": "yes"},
        headers=world.headers("delegate2"),
    )
    assert response.status_code == 200
    moderator_does(client, world, f"/api/v1/motions/{motion}/close")

    [closed, _opened] = listed(client, world, "delegate")["items"]
    assert closed["kind"] == "motion_closed"
    assert closed["motion"] == motion
    assert closed["details"]["outcome"] == "adopted"
    assert closed["url"].endswith("#motions")
    # delegate2 took part by voting, after the opening.
    assert kinds(client, world, "delegate2") == ["motion_closed"]
    assert kinds(client, world, "observer") == []


def test_a_published_summary_notifies_who_took_part(client, world):
    post(client, world, "delegate2", "My view.")
    summary = moderator_does(
        client,
        world,
        f"/api/v1/items/{world.item.id}/summaries",
        {"language": "en", "agreements": "A", "divergences": "B", "recommendations": "C"},
        status=201,
    )["id"]
    assert kinds(client, world, "delegate2") == []  # a draft tells no one
    moderator_does(client, world, f"/api/v1/summaries/{summary}/publish")
    [notification] = listed(client, world, "delegate2")["items"]
    assert notification["kind"] == "summary_published"
    assert notification["summary"] == summary
    assert kinds(client, world, "delegate") == []


def test_a_hidden_post_tells_its_author_why(client, world):
    mine = post(client, world, "delegate", "Off topic.")
    moderator_does(client, world, f"/api/v1/posts/{mine}/hide", {"reason": "Off topic"})
    [notification] = listed(client, world, "delegate")["items"]
    assert notification["kind"] == "moderation"
    assert notification["details"] == {"action": "hidden", "reason": "Off topic"}
    assert notification["actor"] == {"name": "Mo Moderator"}
    assert kinds(client, world, "delegate2") == []


def test_the_floor_granted_notifies_the_speaker(client, world):
    base = "/api/v1/deliberations/ai-2026/session"
    moderator_does(client, world, f"{base}/current", {"item": world.item.id})
    response = client.post(
        f"{base}/floor/request", json={"item": world.item.id}, headers=world.headers("delegate")
    )
    assert response.status_code in (200, 201), response.get_json()
    moderator_does(
        client, world, f"{base}/floor/grant", {"member": world.memberships["delegate"].id}
    )
    assert kinds(client, world, "delegate") == ["floor_granted"]
    assert kinds(client, world, "delegate2") == []


# --- reading and marking -----------------------------------------------------------------


@pytest.mark.parametrize("path", [NOTIFICATIONS, f"{NOTIFICATIONS}/settings"])
def test_anonymous_visitors_are_refused(client, world, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_pages_of_notifications_run_newest_first_without_gaps(client, world):
    original = post(client, world, "delegate", "Start.")
    replies = [post(client, world, "delegate2", f"Reply {n}", parent=original) for n in range(5)]
    seen, before = [], None
    while True:
        page = listed(client, world, "delegate", limit=2, **({"before": before} if before else {}))
        seen += [n["post"] for n in page["items"]]
        before = page["next"]
        if before is None:
            break
    assert seen == list(reversed(replies))


def test_marking_read_by_ids_and_all_touches_only_my_own(client, world):
    original = post(client, world, "delegate", "Start.")
    for n in range(3):
        post(client, world, "delegate2", f"Reply {n}", parent=original)
    theirs = post(client, world, "delegate", "@Dora_Delegate look.")
    mine = [n["id"] for n in listed(client, world, "delegate")["items"]]
    [other] = [n["id"] for n in listed(client, world, "delegate2")["items"]]
    assert theirs

    response = client.post(
        f"{NOTIFICATIONS}/read", json={"ids": [mine[0], other]}, headers=world.headers("delegate")
    )
    assert response.get_json() == {"read": 1, "unread": 2}
    assert listed(client, world, "delegate2")["items"][0]["read"] is False
    assert [n["read"] for n in listed(client, world, "delegate")["items"]] == [True, False, False]
    assert [n["id"] for n in listed(client, world, "delegate", unread="true")["items"]] == mine[1:]

    response = client.post(
        f"{NOTIFICATIONS}/read", json={"all": True}, headers=world.headers("delegate")
    )
    assert response.get_json() == {"read": 2, "unread": 0}
    assert listed(client, world, "delegate2")["unread"] == 1


def replied_here_and_mentioned_elsewhere(client, world):
    """Dee gets a reply on the world's item and a mention on a second item (returned)."""
    other_item = make_item(world.deliberation, "Second item")
    db.session.commit()
    first = post(client, world, "delegate", "On the first item.")
    post(client, world, "delegate2", "A reply.", parent=first)
    response = client.post(
        f"/api/v1/items/{other_item.id}/posts",
        json={"body": "@Dee_Delegate see here.", "language": "en"},
        headers=world.headers("delegate2"),
    )
    assert response.status_code == 201
    return other_item


def test_marking_one_items_notifications_read_leaves_the_others(client, world):
    other_item = replied_here_and_mentioned_elsewhere(client, world)
    post(client, world, "delegate", "@Dora_Delegate look.")

    response = client.post(
        f"{NOTIFICATIONS}/read", json={"item": world.item.id}, headers=world.headers("delegate")
    )
    assert response.get_json() == {"read": 1, "unread": 1}
    [left] = listed(client, world, "delegate", unread="true")["items"]
    assert (left["kind"], left["item"]) == ("mention", other_item.id)
    # Another member's notifications about the same item stay unread.
    assert listed(client, world, "delegate2")["unread"] == 1


def test_opening_an_item_page_reads_what_concerned_me_there(client, world):
    other_item = replied_here_and_mentioned_elsewhere(client, world)
    # An anonymous or another member's visit reads nothing of Dora's.
    client.get(f"/d/ai-2026/items/{world.item.id}")
    login(client, "delegate2@example.org")
    client.get(f"/d/ai-2026/items/{world.item.id}")
    assert listed(client, world, "delegate")["unread"] == 2

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "delegate@example.org")
    html = client.get(f"/d/ai-2026/items/{world.item.id}").get_data(as_text=True)
    assert "1 unread" in html  # the header counts what is left: the other item's mention
    [left] = listed(client, world, "delegate", unread="true")["items"]
    assert left["item"] == other_item.id
    show = client.get("/d/ai-2026").get_data(as_text=True)
    assert show.count("unread-marker") == 1 and f'data-item="{other_item.id}"' in show


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "ids"),
        ({"ids": []}, "ids"),
        ({"ids": ["x"]}, "ids"),
        ({"ids": [0]}, "ids"),
        ({"ids": 5}, "ids"),
        ({"all": "maybe"}, "all"),
        ({"item": "x"}, "item"),
        ({"item": 0}, "item"),
        ({"everything": True}, "everything"),
    ],
)
def test_bad_marking_is_a_422_naming_the_field(client, world, body, field):
    response = client.post(f"{NOTIFICATIONS}/read", json=body, headers=world.headers("delegate"))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"before": "-1"}, "before"),
        ({"unread": "perhaps"}, "unread"),
    ],
)
def test_bad_list_parameters_are_a_422(client, world, params, field):
    response = client.get(NOTIFICATIONS, query_string=params, headers=world.headers("delegate"))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_marking_needs_an_account_and_a_body(client, world):
    assert client.post(f"{NOTIFICATIONS}/read", json={"all": True}).status_code == 401
    response = client.post(
        f"{NOTIFICATIONS}/read",
        data="[]",
        headers={**world.headers("delegate"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400


# --- settings --------------------------------------------------------------------------------


def test_a_kind_switched_off_is_not_created(client, world):
    response = client.put(
        f"{NOTIFICATIONS}/settings",
        json={"kinds": {"reply": False}, "email_digest": True},
        headers=world.headers("delegate"),
    )
    assert response.status_code == 200
    settings = response.get_json()
    assert settings["kinds"]["reply"] is False
    assert settings["kinds"]["mention"] is True
    assert settings["email_digest"] is True
    original = post(client, world, "delegate", "Start.")
    post(client, world, "delegate2", "A reply.", parent=original)
    post(client, world, "delegate2", "Hello @Dee_Delegate")
    assert kinds(client, world, "delegate") == ["mention"]
    got = client.get(f"{NOTIFICATIONS}/settings", headers=world.headers("delegate")).get_json()
    assert got == settings


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kinds": {"everything": True}}, "kinds"),
        ({"kinds": {"reply": "sometimes"}}, "kinds"),
        ({"kinds": ["reply"]}, "kinds"),
        ({"email_digest": "weekly"}, "email_digest"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_settings_are_a_422(client, world, body, field):
    response = client.put(f"{NOTIFICATIONS}/settings", json=body, headers=world.headers("delegate"))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


# --- the mention picker's list ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_handles_are_listed_to_readers_of_the_deliberation(client, world, role):
    response = client.get(
        "/api/v1/deliberations/ai-2026/handles",
        query_string={"q": "do"},
        headers=world.headers(role),
    )
    if role in ("anonymous",):
        assert response.status_code == 401
    elif role == "other_moderator":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert response.get_json()["items"] == [
            {"handle": "Dora_Delegate", "name": "Dora Delegate"}
        ]


def test_handles_match_names_and_handles_with_an_at_sign(client, world):
    response = client.get(
        "/api/v1/deliberations/ai-2026/handles",
        query_string={"q": "@dee_d"},
        headers=world.headers("delegate"),
    )
    assert [h["handle"] for h in response.get_json()["items"]] == ["Dee_Delegate"]
    everyone = client.get(
        "/api/v1/deliberations/ai-2026/handles", headers=world.headers("delegate")
    )
    assert len(everyone.get_json()["items"]) == 4


# --- the pages -------------------------------------------------------------------------------


def test_the_page_lists_marks_read_and_saves_settings(client, world):
    assert client.get("/notifications").status_code in (302, 401)
    original = post(client, world, "delegate", "Start.")
    post(client, world, "delegate2", "A reply.", parent=original)
    login(client, "delegate@example.org")
    html = client.get("/notifications").get_data(as_text=True)
    assert "Dora Delegate replied to your post in “First item”." in html
    assert "1 unread notification" in html
    # The agenda of the deliberation marks the item.
    show = client.get("/d/ai-2026").get_data(as_text=True)
    assert "unread-marker" in show and "1 unread notification" in show

    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"all": "1", "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(Notification.read_at.is_(None))) == 0
    assert "unread-marker" not in client.get("/d/ai-2026").get_data(as_text=True)

    response = client.post(
        "/notifications/settings",
        data={"kinds": ["reply", "mention"], "email_digest": "1", "csrf_token": token},
    )
    assert response.status_code == 302
    settings = client.get(f"{NOTIFICATIONS}/settings").get_json()
    assert settings["email_digest"] is True
    assert {k for k, on in settings["kinds"].items() if on} == {"reply", "mention"}


def test_the_page_in_french(client, world):
    original = post(client, world, "delegate", "Start.")
    post(client, world, "delegate2", "A reply.", parent=original)
    login(client, "delegate@example.org")
    html = client.get("/notifications?lang=fr", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "Notifications" in html


# --- privacy ---------------------------------------------------------------------------------


def test_my_export_carries_my_notifications_and_erasure_deletes_them(client, world):
    original = post(client, world, "delegate", "Audits first.")
    reply = post(client, world, "delegate2", "Why audits?", parent=original)
    post(client, world, "delegate", "Because of scale.", parent=reply)

    export = client.get("/api/v1/me/export", headers=world.headers("delegate")).get_json()
    assert [(n["kind"], n["post"]) for n in export["notifications"]] == [("reply", reply)]
    assert export["notification_settings"]["email_digest"] is False
    other = client.get("/api/v1/me/export", headers=world.headers("delegate2")).get_json()
    assert [n["actor"] for n in other["notifications"]] == [{"name": "Dee Delegate"}]

    erased = client.delete("/api/v1/me", json={"confirm": True}, headers=world.headers("delegate"))
    assert erased.status_code == 200, erased.get_json()
    kept = db.session.scalars(sa.select(Notification.user_id)).all()
    assert world.users["delegate"].id not in kept
    # Others' notifications stay, no longer naming the erased member as who acted.
    assert [n["actor"] for n in listed(client, world, "delegate2")["items"]] == [None]
