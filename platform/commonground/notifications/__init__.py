"""Notifications: what concerns a member — a reply to their post, an ``@mention``, a motion
opened or closed or a summary published on an item they took part in, a moderator's action
on their post, the floor given to them — kept for them, delivered live to their own socket
room, listed and marked read (page and API), chosen kind by kind, and mailed as digests
when the operator configures SMTP.

- ``models``: notifications and each member's settings;
- ``rules``: pure rules — members' handles, the mentions in a text;
- ``services``: the receivers of the capabilities' signals (``events``) and the member's
  actions; ``texts``: the sentences; ``schemas``: the JSON shapes;
- ``api`` / ``views`` / ``cli``: the API, the page and ``notifications send-digests``.
"""

from flask import Flask
from flask_login import current_user

from .. import events
from ..api import register_api_blueprint


def init_app(app: Flask) -> None:
    """Register the page, the API, the CLI, the signal receivers and the page helpers."""
    # Imported here, not at the top of the package: importing a capability for its models
    # (as every other capability does) must not load its pages, API and handlers.
    from . import api, cli, services, views

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
    app.cli.add_command(cli.notifications_cli)
    events.posts_created.connect(services.notify_posts_created)
    events.post_moderated.connect(services.notify_post_moderated)
    events.motion_status_changed.connect(services.notify_motion_status)
    events.summary_published.connect(services.notify_summary_published)
    events.floor_granted.connect(services.notify_floor_granted)
    events.item_opened.connect(services.mark_item_read)
    events.personal_data_requested.connect(services.personal_data)
    events.user_erased.connect(services.forget_erased_user)

    @app.context_processor
    def notification_helpers():
        # Functions, not values: only the pages that show a count pay for its query.
        def unread_notifications() -> int:
            if not current_user.is_authenticated:
                return 0
            return services.unread_count(current_user)

        def unread_by_item(deliberation) -> dict:
            if not current_user.is_authenticated:
                return {}
            return services.unread_by_item(current_user, deliberation.id)

        return {
            "unread_notifications": unread_notifications,
            "unread_notifications_by_item": unread_by_item,
        }
