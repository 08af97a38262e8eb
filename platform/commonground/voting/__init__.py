"""Weighted stakeholder voting: motions, ballots, receipts and exact tallies (DESIGN §3)."""

from flask import Flask

from .. import events
from ..api import register_api_blueprint
from ..extensions import socketio


def init_app(app: Flask) -> None:
    """Register the voting pages, API, socket events and signal receivers."""
    # Imported here, not at the top of the package: importing a capability for its models
    # (as every other capability does) must not load its pages, API and socket handlers.
    from . import api, queries, sockets, views

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
    sockets.register_voting_events(socketio)
    events.member_took_part.connect(queries.has_taken_part)
    events.personal_data_requested.connect(queries.personal_data)
