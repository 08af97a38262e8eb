"""The demo: the Action Plan for Global Governance of AI as a deliberation.

``flask --app app demo`` (and start-up with ``DEMO=1`` on an empty database) creates the
deliberation "Global AI Governance Action Plan": the six stakeholder groups the Action Plan
names, its 13 actions as open agenda items (titles in the six UI languages, text in English),
and local-only demo accounts. Seeding is idempotent: whatever already exists is left as it is,
only what is missing is added.

The rows are built with the models directly: the demo is fixture data, written once, with no
user acting (so no audit events either).
"""

import json
import logging
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from .accounts.auth import hash_password, new_session_nonce
from .accounts.models import User
from .config import LANGUAGES
from .db import db
from .deliberations.models import (
    AgendaItem,
    AgendaItemTranslation,
    Deliberation,
    Membership,
    StakeholderGroup,
)

logger = logging.getLogger(__name__)

DEMO_SLUG = "ai-action-plan"

#: Every group counts equally in the group-parity vote: the Action Plan names the six
#: stakeholder groups side by side and ranks none above another.
DEMO_GROUP_SHARE = 1


@dataclass(frozen=True)
class DemoAccount:
    """A demo login. The passwords are published: these accounts are for local use only."""

    email: str
    password: str
    name: str
    role: str | None  # membership role in the demo deliberation; None = no membership
    group: str | None = None
    is_admin: bool = False


#: The demo logins, printed by ``flask --app app demo`` and listed in the README.
#: LOCAL USE ONLY: never run the demo on a server reachable by others.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin@demo.local", "demo-admin", "Demo Admin", None, is_admin=True),
    DemoAccount("moderator@demo.local", "demo-moderator", "Demo Moderator", "moderator"),
    DemoAccount(
        "governments@demo.local",
        "demo-governments",
        "Governments Delegate",
        "delegate",
        "governments",
    ),
    DemoAccount(
        "international-organizations@demo.local",
        "demo-international-organizations",
        "International Organizations Delegate",
        "delegate",
        "international_organizations",
    ),
    DemoAccount(
        "enterprises@demo.local",
        "demo-enterprises",
        "Enterprises Delegate",
        "delegate",
        "enterprises",
    ),
    DemoAccount(
        "research-institutions@demo.local",
        "demo-research-institutions",
        "Research Institutions Delegate",
        "delegate",
        "research_institutions",
    ),
    DemoAccount(
        "civil-society@demo.local",
        "demo-civil-society",
        "Civil Society Delegate",
        "delegate",
        "civil_society",
    ),
    DemoAccount(
        "citizens@demo.local", "demo-citizens", "Citizens Delegate", "delegate", "citizens"
    ),
    DemoAccount("observer@demo.local", "demo-observer", "Demo Observer", "observer"),
)


@cache
def action_plan() -> dict:
    """The Action Plan text shipped in the package, with the translated titles."""
    path = files("commonground") / "data" / "action-plan.json"
    return json.loads(path.read_text(encoding="utf-8"))


def seed_demo_if_empty() -> bool:
    """Create the demo when the database holds no deliberation yet; True when it did.

    Several server processes may start at once on the same empty database: the unique
    constraints let exactly one of them seed, the others find the demo already there.
    """
    if db.session.scalar(sa.select(sa.func.count()).select_from(Deliberation)):
        return False
    try:
        seed_demo()
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        logger.info("the demo was seeded by another process")
        return False
    logger.info("demo deliberation %r seeded", DEMO_SLUG)
    return True


def seed_demo() -> Deliberation:
    """Add whatever part of the demo is missing (accounts, deliberation, groups, items,
    translations, memberships) and flush. Existing rows are never changed."""
    users = {account.email: _ensure_user(account) for account in DEMO_ACCOUNTS}
    deliberation = _ensure_deliberation()
    groups = _ensure_groups(deliberation)
    _ensure_items(deliberation)
    _ensure_memberships(deliberation, users, groups)
    db.session.flush()
    return deliberation


def _ensure_user(account: DemoAccount) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == account.email))
    if user is None:
        user = User(
            email=account.email,
            name=account.name,
            password_hash=hash_password(account.password),
            is_admin=account.is_admin,
            session_nonce=new_session_nonce(),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _ensure_deliberation() -> Deliberation:
    deliberation = db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == DEMO_SLUG))
    if deliberation is None:
        plan = action_plan()
        deliberation = Deliberation(
            slug=DEMO_SLUG,
            title=plan["title"],
            description="\n\n".join(plan["preamble"]),
            source_language=plan["language"],
            languages=list(LANGUAGES),
            status="open",
            scheme="groups",
            is_public=True,
        )
        db.session.add(deliberation)
        db.session.flush()
    return deliberation


def _ensure_groups(deliberation: Deliberation) -> dict[str, StakeholderGroup]:
    existing = {group.key: group for group in deliberation.groups}
    for position, spec in enumerate(action_plan()["stakeholder_groups"]):
        if spec["key"] not in existing:
            existing[spec["key"]] = StakeholderGroup(
                deliberation=deliberation,
                key=spec["key"],
                name=spec["name"],
                name_translations=dict(spec["name_translations"]),
                share=DEMO_GROUP_SHARE,
                position=position,
            )
            db.session.add(existing[spec["key"]])
    db.session.flush()
    return existing


def _ensure_items(deliberation: Deliberation) -> None:
    plan = action_plan()
    existing = {item.position: item for item in deliberation.items}
    for action in plan["actions"]:
        item = existing.get(action["number"])
        if item is None:
            item = AgendaItem(
                deliberation=deliberation,
                position=action["number"],
                numeral=action["numeral"],
                title=action["title"],
                body=action["body"],
                language=plan["language"],
                status="open",
                attribution=plan["source"],
            )
            db.session.add(item)
        have = {translation.language for translation in item.translations}
        for language, title in action["title_translations"].items():
            if language not in have:
                # An empty body means "read the original": only the titles are translated.
                item.translations.append(
                    AgendaItemTranslation(language=language, title=title, body="")
                )
    db.session.flush()


def _ensure_memberships(
    deliberation: Deliberation, users: dict[str, User], groups: dict[str, StakeholderGroup]
) -> None:
    members = set(
        db.session.scalars(
            sa.select(Membership.user_id).where(Membership.deliberation_id == deliberation.id)
        )
    )
    for account in DEMO_ACCOUNTS:
        user = users[account.email]
        if account.role is None or user.id in members:
            continue
        db.session.add(
            Membership(
                deliberation=deliberation,
                user_id=user.id,
                role=account.role,
                group=groups[account.group] if account.group else None,
            )
        )


def demo_logins_table() -> str:
    """The demo logins as a plain-text table (English: it is console output)."""
    rows = [("email", "password", "role")]
    for account in DEMO_ACCOUNTS:
        if account.is_admin:
            role = "admin"
        elif account.group:
            role = f"{account.role} ({account.group})"
        else:
            role = account.role or ""
        rows.append((account.email, account.password, role))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


@click.command("demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Seed only when the database holds no deliberation yet (what `make run` does).",
)
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Seed the demo deliberation and accounts (idempotent) and print the demo logins."""
    if if_empty:
        seed_demo_if_empty()
    else:
        seed_demo()
        db.session.commit()
    exists = db.session.scalar(sa.select(Deliberation.id).where(Deliberation.slug == DEMO_SLUG))
    if exists is None:
        click.echo("The database already holds deliberations; the demo was not added.")
        return
    host, port = current_app.config["HOST"], current_app.config["PORT"]
    click.echo(f"Demo deliberation: http://{host}:{port}/d/{DEMO_SLUG}")
    click.echo("Demo logins (LOCAL USE ONLY — the passwords are public):")
    click.echo(demo_logins_table())
