"""The ``flask`` command groups: users, tokens, demo."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _

from .errors import ServiceError
from .extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


def register_commands(app: Flask) -> None:
    """Attach every command group to the app."""
    from .demo import demo_command

    app.cli.add_command(demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    from .records.polis_cli import polis_cli

    app.cli.add_command(polis_cli)
    from .records.cli import records_cli

    app.cli.add_command(records_cli)


def _fail(error: ServiceError):
    """Report a refusal on stderr and exit with status 1 (nothing is committed)."""
    db.session.rollback()
    message = str(error.message)
    if error.field:
        message = f"{error.field}: {message}"
    raise click.ClickException(message)


def _user_or_fail(email: str):
    from .accounts.services import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(
            _("There is no account with the email address %(email)s.", email=email)
        )
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The display name.")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
def create_user_command(email: str, name: str, admin: bool, password_stdin: bool) -> None:
    """Create an account that signs in with EMAIL and a password."""
    from .accounts.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, name, password, admin=admin)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    if user.is_admin:
        click.echo(_("Created administrator %(email)s (id %(id)s).", email=user.email, id=user.id))
    else:
        click.echo(_("Created user %(email)s (id %(id)s).", email=user.email, id=user.id))


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="write",
    show_default=True,
    help="read: GET only; write: every request the user may make.",
)
def create_token_command(email: str, name: str, scope: str) -> None:
    """Create an API token for EMAIL; the token is the last line printed (shown once)."""
    from .accounts.services import create_api_token

    user = _user_or_fail(email)
    try:
        api_token, plaintext = create_api_token(user, name, scope)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(
        _(
            "Created %(scope)s token “%(name)s” for %(email)s. It is shown only once:",
            scope=api_token.scope,
            name=api_token.name,
            email=user.email,
        )
    )
    click.echo(plaintext)


@tokens_cli.command("list")
@click.argument("email")
def list_tokens_command(email: str) -> None:
    """List the API tokens of EMAIL (prefix, scope, name, state)."""
    from .accounts.services import user_api_tokens

    user = _user_or_fail(email)
    for api_token in user_api_tokens(user):
        # i18n: state of an API token in the CLI listing
        state = _("revoked") if api_token.revoked_at else _("active")
        click.echo(f"{api_token.prefix}\t{api_token.scope}\t{state}\t{api_token.name}")


@tokens_cli.command("revoke")
@click.argument("email")
@click.argument("prefix")
def revoke_token_command(email: str, prefix: str) -> None:
    """Revoke the active token of EMAIL whose first characters are PREFIX."""
    from .accounts.services import revoke_api_token, user_api_tokens

    user = _user_or_fail(email)
    # The stored prefix or more of the token (even all of it) names the token.
    matches = [
        t
        for t in user_api_tokens(user)
        if t.is_active and (t.prefix.startswith(prefix) or prefix.startswith(t.prefix))
    ]
    if len(matches) != 1:
        raise click.ClickException(
            _("No active token starts with %(prefix)s.", prefix=prefix)
            if not matches
            else _("Several tokens start with %(prefix)s; give more characters.", prefix=prefix)
        )
    try:
        revoke_api_token(user, matches[0].id)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(_("Revoked token “%(name)s”.", name=matches[0].name))
