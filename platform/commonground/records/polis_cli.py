"""``flask --app app polis import DIR --deliberation SLUG``: a Pol.is export on the command line.

The command checks the whole export first (:mod:`.polis_read`), then writes it
(:mod:`.polis_import`) and commits once: a malformed file stops it with a message naming the
file and the line, and nothing is imported.
"""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from .. import fields
from ..db import db
from ..errors import Invalid, ServiceError
from .polis_import import write_conversation
from .polis_read import check_export, export_size

polis_cli = AppGroup("polis", help="Import Pol.is conversations.")


@polis_cli.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--deliberation",
    "slug",
    required=True,
    help="Slug of the deliberation to import into (created if missing).",
)
@click.option(
    "--language", default="en", show_default=True, help="Language of the comments (BCP 47)."
)
def import_command(directory: Path, slug: str, language: str) -> None:
    """Import the Pol.is open-data export in DIRECTORY as one agenda item.

    Progress goes to standard error; the summary to standard output. Nothing is imported
    when any file is malformed.
    """
    stderr = sys.stderr  # looked up now: a test runner may have replaced it
    try:
        fields.slug(slug, "deliberation")
        fields.language(language)
        with click.progressbar(
            length=export_size(directory),
            label=_("Checking %(directory)s", directory=directory),
            file=stderr,
        ) as bar:
            conversation = check_export(directory, bar.update)
        with click.progressbar(
            length=conversation.votes, label=_("Importing votes"), file=stderr
        ) as bar:
            report = write_conversation(conversation, slug, language=language, progress=bar.update)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        message = str(error.message)
        if isinstance(error, Invalid) and error.field:
            message = f"{error.field}: {message}"
        raise click.ClickException(message) from None
    except BaseException:
        db.session.rollback()
        raise
    click.echo(
        _(
            "Imported “%(topic)s” into %(slug)s, item %(item)s: %(members)s new members, "
            "%(posts)s new posts, %(reactions)s new and %(changed)s changed reactions "
            "(from %(votes)s votes).",
            topic=conversation.topic,
            slug=report.deliberation,
            item=report.item,
            members=report.members_created,
            posts=report.posts_created,
            reactions=report.reactions_created,
            changed=report.reactions_changed,
            votes=report.votes_read,
        )
    )
    if not report.changed:
        click.echo(_("Everything was already imported: nothing changed."))
