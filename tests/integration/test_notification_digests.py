"""E-mail digests: `flask notifications send-digests` mails each member who asked for it
their unread notifications, once, in their language, through a real SMTP server (aiosmtpd);
with no MAIL_SERVER configured nothing is mailed."""

import sqlalchemy as sa
from test_notifications import post

from commonground.db import db
from commonground.deliberations.models import AgendaItemTranslation
from commonground.discussion.services import create_post
from commonground.notifications.models import Notification
from commonground.notifications.schemas import notification_link
from commonground.transactions import in_transaction


def digest_on(client, world, role, on=True):
    response = client.put(
        "/api/v1/me/notifications/settings",
        json={"email_digest": on},
        headers=world.headers(role),
    )
    assert response.status_code == 200


def send_digests(app):
    result = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    return result.output


def test_nothing_is_mailed_when_smtp_is_not_configured(app, client, world, smtp_inbox):
    digest_on(client, world, "delegate")
    original = post(client, world, "delegate", "Audits first.")
    post(client, world, "delegate2", "Why?", parent=original)
    assert app.config["MAIL_SERVER"] is None
    output = send_digests(app)
    assert "nothing was sent" in output
    assert smtp_inbox.messages == []
    assert db.session.scalar(sa.select(Notification.emailed_at)) is None


def test_a_digest_reaches_who_asked_once_and_in_their_language(app, client, world, smtp_inbox):
    smtp_inbox.configure(app)
    digest_on(client, world, "delegate")
    world.users["delegate2"].locale = "fr"
    db.session.add(
        AgendaItemTranslation(item_id=world.item.id, language="fr", title="Premier point")
    )
    db.session.commit()
    digest_on(client, world, "delegate2")
    original = post(client, world, "delegate", "Audits first.")
    reply = post(client, world, "delegate2", "Why?", parent=original)
    post(client, world, "delegate", "Because, @Dora_Delegate.")
    # The observer is mentioned too but never asked for e-mail.
    post(client, world, "delegate", "And @Olga_Observer.")
    # Read notifications are not mailed.
    second = post(client, world, "delegate2", "Still?", parent=original)
    [read_one] = [
        n["id"]
        for n in client.get(
            "/api/v1/me/notifications", headers=world.headers("delegate")
        ).get_json()["items"]
        if n["post"] == second
    ]
    client.post(
        "/api/v1/me/notifications/read", json={"ids": [read_one]}, headers=world.headers("delegate")
    )

    output = send_digests(app)
    assert "Sent 2 digest(s) covering 2 notification(s)." in output
    by_recipient = {m["To"]: m for m in smtp_inbox.parsed()}
    assert set(by_recipient) == {"delegate@example.org", "delegate2@example.org"}
    english = by_recipient["delegate@example.org"]
    assert english["From"] == "commonground@example.org"
    assert english["Subject"] == "Common Ground: 1 unread notification"
    body = english.get_content()
    assert "Dora Delegate replied to your post in “First item”." in body
    assert f"https://cg.example.org/d/ai-2026/items/{world.item.id}#post-{reply}" in body
    assert "https://cg.example.org/notifications" in body
    french = by_recipient["delegate2@example.org"]
    assert "notification" in french["Subject"]
    assert "Dee Delegate vous a mentionné dans « Premier point »." in french.get_content()

    # Mailed once: a second run sends nothing new.
    assert "Sent 0 digest(s)" in send_digests(app)
    assert len(smtp_inbox.messages) == 2


def test_an_unreachable_server_marks_nothing_mailed(app, client, world):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    digest_on(client, world, "delegate")
    original = post(client, world, "delegate", "Audits first.")
    post(client, world, "delegate2", "Why?", parent=original)
    result = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert result.exit_code != 0
    db.session.rollback()
    assert db.session.scalar(sa.select(Notification.emailed_at)) is None


def test_an_action_run_outside_a_request_still_notifies_with_public_links(app, world):
    """A script or CLI command calling a service (no request) gets the same notification."""
    original = in_transaction(
        lambda: create_post(world.users["delegate"], world.item, body="Hi", language="en")
    )
    reply = in_transaction(
        lambda: create_post(
            world.users["delegate2"], world.item, body="Yes", parent=original.id, language="en"
        )
    )
    notification = db.session.scalar(sa.select(Notification))
    assert notification.post_id == reply.id
    assert notification_link(notification, external=True).startswith("http://127.0.0.1:5000/d/")
