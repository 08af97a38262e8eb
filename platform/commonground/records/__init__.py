"""Records for think tanks: exports, integrity, the audit chain, verification and the
Pol.is importer (DESIGN §7)."""

from flask import Flask

from ..api import register_api_blueprint


def init_app(app: Flask) -> None:
    """Register the records API and the ``records`` and ``polis`` commands."""
    # Imported here, not at the top of the package: importing a capability for its models
    # (as every other capability does) must not load its pages, API and socket handlers.
    from . import api, cli, polis_cli

    register_api_blueprint(app, api.bp)
    app.cli.add_command(cli.records_cli)
    app.cli.add_command(polis_cli.polis_cli)
