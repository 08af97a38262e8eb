"""``flask --app app notifications send-digests``: mail each member who asked for it their
unread notifications (run it from cron, e.g. daily)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..mail import mail_configured
from ..transactions import in_transaction
from . import services

notifications_cli = click.Group("notifications", help="Notifications: e-mail digests.")


@notifications_cli.command("send-digests")
@with_appcontext
def send_digests_command():
    """Mail the unread notifications not mailed before to every member who chose digests."""
    if not mail_configured():
        click.echo("Mail is not configured (MAIL_SERVER is not set): nothing was sent.")
        return
    # Links in the mail point at the public address of the site.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        sent, notifications = in_transaction(services.send_digests)
    click.echo(f"Sent {sent} digest(s) covering {notifications} notification(s).")
