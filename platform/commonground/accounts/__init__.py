"""Accounts: users, password sign-in, API tokens, invitations, and who a socket is."""

from flask import Flask

from ..api import register_api_blueprint
from ..extensions import socketio


def init_app(app: Flask) -> None:
    """Register sign-in and the account pages, the API, the socket handshake and the CLI."""
    # Imported here, not at the top of the package: importing a capability for its models
    # (as every other capability does) must not load its pages, API and socket handlers.
    from . import api, auth, cli, socket_auth, views

    auth.init_app(app)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
    socketio.on_event("connect", socket_auth.on_connect)
    app.cli.add_command(cli.users_cli)
    app.cli.add_command(cli.tokens_cli)
