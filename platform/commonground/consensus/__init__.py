"""Reactions, the Common Ground view, cross-group consensus measures and versioned
consensus summaries (DESIGN §4)."""

from flask import Flask

from .. import events
from ..api import register_api_blueprint
from ..extensions import socketio


def init_app(app: Flask) -> None:
    """Register the consensus pages, API and socket events."""
    # Imported here, not at the top of the package: importing a capability for its models
    # (as every other capability does) must not load its pages, API and socket handlers.
    from . import api, reactions, sensemaking, sockets, views

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
    sockets.register_consensus_events(socketio)
    events.reaction_changed.connect(sensemaking.refresh_when_committed)
    events.personal_data_requested.connect(reactions.personal_data)
