"""Search in a deliberation: posts, their translations, agenda items and consensus
summaries, as each reader may see them, ranked, with the matches marked (``rules.py``
holds the pure rules, ``queries.py`` the database side)."""

from flask import Flask

from ..api import register_api_blueprint


def init_app(app: Flask) -> None:
    """Register the search page and API."""
    # Imported here, not at the top of the package: importing a capability for its models
    # must not load its pages and API.
    from . import api, views

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
