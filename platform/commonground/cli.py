"""The ``flask`` command groups: users, tokens, demo."""

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to the app."""
    from .demo import demo_command

    app.cli.add_command(demo_command)
