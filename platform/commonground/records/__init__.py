"""Records for think tanks: exports, integrity, the audit chain, verification and the
Pol.is importer (DESIGN §7)."""

from flask import Flask

from .. import events
from ..api import register_api_blueprint


def init_app(app: Flask) -> None:
    """Register the records API, the ``records`` and ``polis`` commands, and the receivers
    that write the transparency log's leaves."""
    # Imported here, not at the top of the package: importing a capability for its models
    # (as every other capability does) must not load its pages, API and socket handlers.
    from . import api, cli, log, polis_cli, pseudonyms, views

    register_api_blueprint(app, api.bp)
    app.cli.add_command(cli.records_cli)
    app.cli.add_command(polis_cli.polis_cli)
    app.context_processor(views.log_template_helpers)
    # Leaves are written in the transaction of the change (receivers run synchronously);
    # the audit chain's actions are appended by ``audit.record_event`` itself.
    events.posts_created.connect(log.log_posts_created)
    events.post_edited.connect(log.log_post_edited)
    events.post_translated.connect(log.log_post_translated)
    events.post_redacted.connect(log.log_post_redacted)
    events.reaction_changed.connect(log.log_reaction_changed)
    events.ballots_cast.connect(log.log_ballots_cast)
    events.personal_data_requested.connect(pseudonyms.personal_data)
    events.user_erased.connect(pseudonyms.forget_actor_names)
