"""The demo: the Action Plan for Global Governance of AI as a deliberation."""

import click
from flask.cli import with_appcontext


def seed_demo_if_empty() -> None:
    """Create the demo when the database holds no deliberation yet."""


@click.command("demo")
@with_appcontext
def demo_command():
    """Seed the demo deliberation and accounts."""
    seed_demo_if_empty()
