"""The live session of a deliberation, run from the moderator's console (issue 7).

- ``models``: the session row, floor requests, announcements (in the database, so every
  server process and every restart sees the same state);
- ``rules``: pure rules — the speakers' queue in plain and balanced order, rounds, the
  participation imbalance indicator;
- ``state`` / ``schemas``: the ``session:state`` shape (DESIGN §5, extended) read from the
  database;
- ``services``: one function per console action (audited, emitted after commit);
- ``participation``: activity by stakeholder group, also used by the record export;
- ``api`` / ``sockets`` / ``views``: REST mirrors, Socket.IO events, the console and the
  participants' panel.
"""

from flask import Flask

from .. import events
from ..api import register_api_blueprint
from ..extensions import socketio


def init_app(app: Flask) -> None:
    """Register the console, the session API and socket events, and the signal receivers."""
    # Imported here, not at the top of the package: importing a capability for its models
    # (as every other capability does) must not load its pages, API and socket handlers.
    from . import api, services, sockets, views

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
    sockets.register_live_events(socketio)
    events.posts_created.connect(services.mark_floor_interventions)
    events.item_state_changed.connect(services.publish_if_current)
    events.member_updated.connect(services.release_muted_member)
    events.user_erased.connect(services.release_erased_member)
    events.socket_disconnected.connect(sockets.leave_sessions)
