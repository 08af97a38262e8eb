"""Deliberations, their stakeholder groups, members and agenda items, and the
participation rule every other capability asks (``rules.py``, ``access.py``)."""

from flask import Flask

from .. import events
from ..api import register_api_blueprint


def init_app(app: Flask) -> None:
    """Register the deliberation pages and API."""
    # Imported here, not at the top of the package: importing a capability for its models
    # (as every other capability does) must not load its pages, API and socket handlers.
    from . import api, queries, views

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
    events.personal_data_requested.connect(queries.personal_data)
