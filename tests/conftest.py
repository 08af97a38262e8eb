"""Shared fixtures: a real app on a real SQLite file (or PostgreSQL), clients, a world of roles.

The schema is migrated once per test session into a template file; each test gets a fresh
copy of it, so tests stay isolated without paying for migrations every time.
"""

import re
import shutil
import socket
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g

from commonground import create_app
from commonground.accounts.auth import hash_password, new_secret_token, new_session_nonce
from commonground.accounts.models import ApiToken, User
from commonground.db import db, utcnow
from commonground.deliberations.models import (
    AgendaItem,
    Deliberation,
    Membership,
    StakeholderGroup,
)
from commonground.discussion.models import Post
from commonground.discussion.rules import child_path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
PASSWORD = "correct horse battery staple"
# Hashing with the production argon2 parameters costs ~50 ms; fixtures reuse one hash.
PASSWORD_HASH = hash_password(PASSWORD)


def reachable(host: str, port: int) -> bool:
    """Whether a TCP service answers on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def redis_for_test():
    """A Redis client (text replies) and a key prefix of its own; skips when Redis does
    not answer on 127.0.0.1:6379."""
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True)
    return client, f"cg-test-{uuid.uuid4().hex}:"


def base_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "AUTO_MIGRATE": False,
        "DEMO": False,
        "SERVER_NAME": None,
        # Opinion groups recomputed as soon as reactions change, so tests read what they did.
        "OPINIONS_INTERVAL": 0,
    }


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the latest revision, copied by every test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app({**base_config(f"sqlite:///{path}", path.parent), "AUTO_MIGRATE": True})
    with app.app_context():
        db.engine.dispose()
    return path


@pytest.fixture
def database_path(tmp_path, migrated_template) -> Path:
    path = tmp_path / "commonground.db"
    shutil.copy(migrated_template, path)
    return path


def fresh_g_per_request(app) -> None:
    """Give every request an empty ``g``, as in production.

    The fixtures keep an app context open, and Flask lets requests reuse it, so ``g`` (the
    signed-in user, the CSRF token, the locale) would otherwise leak from one request into
    the next.
    """
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())


@pytest.fixture
def app(database_path, tmp_path):
    """The application on a fresh, migrated SQLite file."""
    app = create_app(base_config(f"sqlite:///{database_path}", tmp_path))
    fresh_g_per_request(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session; skips when none is reachable."""
    if not reachable("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import os

    name = f"cg_test_{os.getpid()}"
    admin = sa.create_engine(POSTGRES_URL.format(name="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_URL.format(name=name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_app(postgres_url, tmp_path):
    """The application on PostgreSQL, schema migrated, emptied after the test."""
    app = create_app({**base_config(postgres_url, tmp_path), "AUTO_MIGRATE": True})
    fresh_g_per_request(app)
    with app.app_context():
        yield app
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request):
    """The application on SQLite, then on PostgreSQL (skipped when unreachable)."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


# --- building the world ------------------------------------------------------------------


def make_user(email: str, name: str | None = None, *, admin: bool = False, locale=None) -> User:
    user = User(
        email=email.lower(),
        name=name or email.split("@")[0].title(),
        password_hash=PASSWORD_HASH,
        is_admin=admin,
        locale=locale,
        session_nonce=new_session_nonce(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_deliberation(slug: str = "ai-2026", *, status: str = "open", public=False, **kw):
    deliberation = Deliberation(
        slug=slug,
        title=kw.pop("title", f"Deliberation {slug}"),
        status=status,
        is_public=public,
        languages=kw.pop("languages", ["en", "fr"]),
        scheme=kw.pop("scheme", "members"),
        **kw,
    )
    db.session.add(deliberation)
    db.session.flush()
    return deliberation


def make_group(deliberation, key: str, share: int = 1, position: int = 0) -> StakeholderGroup:
    group = StakeholderGroup(
        deliberation=deliberation,
        key=key,
        name=key.replace("_", " ").title(),
        share=share,
        position=position,
    )
    db.session.add(group)
    db.session.flush()
    return group


def make_member(user, deliberation, role="delegate", group=None, weight=1) -> Membership:
    membership = Membership(
        user_id=user.id, deliberation=deliberation, role=role, group=group, weight=weight
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def make_item(deliberation, title="An item", position=None, status="open", **kw) -> AgendaItem:
    if position is None:
        position = len(deliberation.items) + 1
    item = AgendaItem(
        deliberation=deliberation, title=title, position=position, status=status, **kw
    )
    db.session.add(item)
    db.session.flush()
    return item


def make_token(user, scope="write") -> str:
    token, digest = new_secret_token()
    db.session.add(
        ApiToken(user_id=user.id, name="test", token_hash=digest, prefix=token[:10], scope=scope)
    )
    db.session.flush()
    return token


def make_post(item, author, body="A post.", parent=None, language="en", **columns) -> Post:
    """A post of ``author`` (a membership) in ``item``, written straight into the database;
    a reply to ``parent`` when given."""
    post = Post(
        item_id=item.id,
        author_id=author.id,
        parent_id=parent.id if parent else None,
        body=body,
        language=language,
        path="",
        created_at=utcnow(),
        **columns,
    )
    db.session.add(post)
    db.session.flush()
    post.path = child_path(parent.path if parent else None, post.id)
    db.session.flush()
    return post


@contextmanager
def counted_statements():
    """The SQL statements run in the block: ``with counted_statements() as run: …``."""
    statements = []

    def count(*args):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


@dataclass
class World:
    """One deliberation with a member of every role, plus outsiders, and their tokens."""

    deliberation: Deliberation
    other: Deliberation
    groups: dict
    item: AgendaItem
    users: dict
    memberships: dict
    tokens: dict

    def headers(self, role: str) -> dict:
        """Authorization headers for a role (empty for ``anonymous``)."""
        if role == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[role]}"}


ROLES = ("anonymous", "observer", "delegate", "other_moderator", "moderator", "admin")


@pytest.fixture
def world(app) -> World:
    """A private open deliberation `ai-2026` with groups `governments` (share 2) and
    `civil_society`; users: admin, moderator, other_moderator (moderates `other`),
    delegate (governments), delegate2 (civil_society), observer, outsider."""
    deliberation = make_deliberation("ai-2026", scheme="groups")
    other = make_deliberation("other-forum")
    gov = make_group(deliberation, "governments", share=2, position=0)
    civ = make_group(deliberation, "civil_society", share=1, position=1)
    users = {
        "admin": make_user("admin@example.org", "Ada Admin", admin=True),
        "moderator": make_user("mod@example.org", "Mo Moderator"),
        "other_moderator": make_user("othermod@example.org", "Otto Other"),
        "delegate": make_user("delegate@example.org", "Dee Delegate"),
        "delegate2": make_user("delegate2@example.org", "Dora Delegate"),
        "observer": make_user("observer@example.org", "Olga Observer"),
        "outsider": make_user("outsider@example.org", "Oscar Outsider"),
    }
    memberships = {
        "moderator": make_member(users["moderator"], deliberation, "moderator"),
        "delegate": make_member(users["delegate"], deliberation, "delegate", gov),
        "delegate2": make_member(users["delegate2"], deliberation, "delegate", civ),
        "observer": make_member(users["observer"], deliberation, "observer"),
        "other_moderator": make_member(users["other_moderator"], other, "moderator"),
    }
    item = make_item(deliberation, "First item", body="The text of the first item.")
    tokens = {role: make_token(user) for role, user in users.items()}
    db.session.commit()
    return World(
        deliberation,
        other,
        {"governments": gov, "civil_society": civ},
        item,
        users,
        memberships,
        tokens,
    )


def csrf_token(client, path: str = "/") -> str:
    """The CSRF token a page embeds for this client's session."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page carries no CSRF token"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    """Sign ``client`` in through the real login form."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response


# --- the browser -------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
#: As the machine's own notes advise: no sandbox as root, no GPU, and none of the background
#: connections Chromium makes on start (the network here is closed; they would only fail).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's build, never a downloaded one)."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# --- a real SMTP server ------------------------------------------------------------------


@dataclass
class Inbox:
    """What a real SMTP server (aiosmtpd, on a free local port) received."""

    host: str
    port: int
    messages: list

    def parsed(self) -> list:
        """The messages as ``email.message.EmailMessage`` objects."""
        from email import message_from_bytes, policy

        return [
            message_from_bytes(m.original_content, policy=policy.default) for m in self.messages
        ]

    def configure(self, app) -> None:
        """Point the app's MAIL_* settings at this server."""
        app.config.update(
            MAIL_SERVER=self.host,
            MAIL_PORT=self.port,
            MAIL_DEFAULT_SENDER="commonground@example.org",
            PUBLIC_URL="https://cg.example.org",
        )


@pytest.fixture
def smtp_inbox():
    """A real SMTP server for the test; its ``messages`` are the envelopes it accepted."""
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 Message accepted"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Inbox("127.0.0.1", port, received)
    finally:
        controller.stop()
