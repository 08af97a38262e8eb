"""``flask --app app records export|verify``: records on the command line.

``export`` streams the record straight into the output file (through a temporary file
renamed at the end, so a failed export never leaves half a record under the final name),
with a progress bar on standard error. ``verify`` needs no database: it checks a file alone
and exits non-zero, saying what differs, on any alteration.
"""

import contextlib
import json
import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from ..config import LANGUAGES
from ..errors import ServiceError
from .collect import AUDIENCES, READERS, operator_source
from .datapackage import write_datapackage
from .export import stream_record_json
from .html import stream_record_html
from .verify import verify_file

records_cli = AppGroup("records", help="Export and verify consensus records.")

FORMATS = ("json", "zip", "html")


@records_cli.command("export")
@click.argument("slug")
@click.option(
    "--format",
    "format_",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="json: canonical JSON with integrity; zip: Frictionless Data Package; "
    "html: printable record.",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="The file to write ('-' for standard output).",
)
@click.option("--item", type=click.IntRange(min=1), help="Only this agenda item.")
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=READERS,
    show_default=True,
    help="readers: hidden posts' text, draft summaries and draft motions withheld (the "
    "record anyone may download); moderators: everything, hidden posts flagged.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the printable record.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def export_command(slug, format_, output, item, audience, lang, quiet):
    """Export the record of deliberation SLUG."""
    to_stdout = output == "-"
    if to_stdout and format_ == "zip":
        raise click.UsageError(_("A zip file cannot be written to standard output."))
    try:
        source = operator_source(slug, item, audience)
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from None
    # The printable record reads the posts twice: once to render, once to cite the digest.
    total = source.post_count() * (2 if format_ == "html" else 1)
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    integrity: dict = {}
    with (
        open(os.devnull, "w") if quiet else contextlib.nullcontext(sys.stderr) as progress_file,
        click.progressbar(
            length=total, label=_("Exporting posts"), file=progress_file, show_pos=True
        ) as bar,
        contextlib.nullcontext(sys.stdout.buffer) if to_stdout else partial.open("wb") as handle,
    ):
        try:
            if format_ == "json":
                for chunk in stream_record_json(source, bar.update, integrity.update):
                    handle.write(chunk)
            elif format_ == "zip":
                integrity = write_datapackage(source, handle, bar.update)["integrity"]
            else:
                for chunk in stream_record_html(source, lang, bar.update):
                    handle.write(chunk.encode("utf-8"))
        except BaseException:
            if not to_stdout:
                handle.close()
                partial.unlink(missing_ok=True)
            raise
    if not to_stdout:
        partial.replace(target)
    if not to_stdout:
        click.echo(_("Wrote %(path)s.", path=str(target)), err=True)
    digest = integrity.get("body_sha256") or integrity.get("descriptor_sha256")
    if digest:
        click.echo(_("SHA-256 of the record: %(digest)s", digest=digest), err=True)
    if integrity.get("audit_head"):
        click.echo(_("Audit chain head: %(head)s", head=integrity["audit_head"]), err=True)


@records_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--digest", help="The SHA-256 the record must have (as published or cited).")
@click.option("--audit-head", help="The audit chain head the record must end with.")
@click.option(
    "--head",
    "head_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A signed log head saved earlier (GET …/log/head): the record's log must extend it.",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False),
    help="The platform's public key (GET /api/v1/log/key) that must have signed the heads.",
)
@with_appcontext
def verify_command(file, digest, audit_head, head_file, key_file):
    """Check a record.json or record.zip: digests, audit chain, transparency log (leaves,
    root, signed head; with --head, that the log extends a head saved earlier), and the
    content against what the log committed to.

    Exits 0 when the record is intact, 1 (listing what differs) otherwise.
    """
    head, key = _json_file(head_file), _json_file(key_file)
    report = verify_file(file, digest=digest, audit_head=audit_head, head=head, key=key)
    for note in report.notes:
        click.echo(note)
    if not report.ok:
        for problem in report.problems:
            click.echo(_("FAILED: %(problem)s", problem=problem), err=True)
        raise click.exceptions.Exit(1)
    click.echo(
        _(
            "OK: %(kind)s intact, SHA-256 %(digest)s, audit chain head %(head)s.",
            kind=report.kind,
            digest=report.body_sha256,
            head=report.audit_head,
        )
    )


def _json_file(path: str | None) -> dict | None:
    """A small JSON file given on the command line (a head, a key), or None."""
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError) as error:
        raise click.BadParameter(str(error)) from None
    if not isinstance(value, dict):
        raise click.BadParameter(_("%(path)s does not hold a JSON object.", path=path))
    return value
