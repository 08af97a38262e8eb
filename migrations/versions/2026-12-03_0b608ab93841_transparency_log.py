"""The transparency log: leaves, stored subtree hashes and each log's state; the history
of existing deliberations is backfilled into their logs.

The backfill reads the tables as they are at this revision (lightweight table clauses, not
the application's models, which move on) and uses only the pure leaf and tree functions.
Each deliberation's log gets, in order of time: every audit event (folded in by its hash),
every post's creation and each of its edits (from its kept revisions), the current
translation of each post per language, the latest reaction of each member to each post,
and the latest ballot of each voter (for a secret motion, its receipt only). What the
database no longer holds — a translation since replaced, a reaction or ballot since changed —
cannot be logged; from here on every change is.

Revision ID: 0b608ab93841
Revises: c31fbfde86a5
Create Date: 2026-12-03 17:06:14.293980
"""

import secrets
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from commonground.records import leaves
from commonground.records.merkle import frontier_root

revision = "0b608ab93841"
down_revision = "c31fbfde86a5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "log_leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("leaf_index >= 0", name=op.f("ck_log_leaves_leaf_index_not_negative")),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["deliberations.id"],
            name=op.f("fk_log_leaves_deliberation_id_deliberations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_leaves")),
        sa.UniqueConstraint(
            "deliberation_id", "leaf_index", name=op.f("uq_log_leaves_deliberation_id_leaf_index")
        ),
    )
    with op.batch_alter_table("log_leaves", schema=None) as batch_op:
        batch_op.create_index(
            "ix_log_leaves_deliberation_id_subject", ["deliberation_id", "subject"], unique=False
        )

    op.create_table(
        "log_nodes",
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["deliberations.id"],
            name=op.f("fk_log_nodes_deliberation_id_deliberations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deliberation_id", "level", "position", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_states",
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("pseudonym_key", sa.String(length=64), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_log_states_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["deliberations.id"],
            name=op.f("fk_log_states_deliberation_id_deliberations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deliberation_id", name=op.f("pk_log_states")),
    )
    backfill(op.get_bind())


def downgrade():
    op.drop_table("log_states")
    op.drop_table("log_nodes")
    with op.batch_alter_table("log_leaves", schema=None) as batch_op:
        batch_op.drop_index("ix_log_leaves_deliberation_id_subject")

    op.drop_table("log_leaves")


# --- backfilling the history of existing deliberations ---------------------------------------

deliberations = sa.table("deliberations", sa.column("id"), sa.column("slug"))
agenda_items = sa.table("agenda_items", sa.column("id"), sa.column("deliberation_id"))
audit_events = sa.table(
    "audit_events",
    *(sa.column(name) for name in ("deliberation_id", "seq", "action", "target", "hash")),
    sa.column("created_at", sa.DateTime),
)
posts = sa.table(
    "posts",
    *(sa.column(n) for n in ("id", "item_id", "parent_id", "author_id", "language", "body")),
    sa.column("created_at", sa.DateTime),
    sa.column("edited_at", sa.DateTime),
)
post_revisions = sa.table(
    "post_revisions",
    sa.column("id"),
    sa.column("post_id"),
    sa.column("body"),
    sa.column("replaced_at", sa.DateTime),
)
post_translations = sa.table(
    "post_translations",
    *(sa.column(name) for name in ("id", "post_id", "language", "body", "translator_id")),
    sa.column("created_at", sa.DateTime),
)
reactions = sa.table(
    "reactions",
    *(sa.column(name) for name in ("id", "post_id", "membership_id", "stance")),
    sa.column("updated_at", sa.DateTime),
)
motions = sa.table("motions", sa.column("id"), sa.column("item_id"), sa.column("secret"))
ballots = sa.table(
    "ballots",
    *(sa.column(n) for n in ("id", "motion_id", "membership_id", "choice", "sequence", "receipt")),
    sa.column("updated_at", sa.DateTime),
)
log_leaves = sa.table(
    "log_leaves",
    *(sa.column(n) for n in ("deliberation_id", "leaf_index", "event", "subject", "entry")),
    sa.column("hash"),
    sa.column("created_at", sa.DateTime),
)
log_nodes = sa.table(
    "log_nodes",
    sa.column("deliberation_id"),
    sa.column("level"),
    sa.column("position"),
    sa.column("hash", sa.LargeBinary),
)
log_states = sa.table(
    "log_states",
    *(sa.column(name) for name in ("deliberation_id", "size", "root", "pseudonym_key")),
    sa.column("updated_at", sa.DateTime),
)


def backfill(connection) -> None:
    """Write the log of every deliberation that has none yet, from its history."""
    logged = set(connection.scalars(sa.select(log_states.c.deliberation_id)))
    for deliberation_id, slug in connection.execute(
        sa.select(deliberations.c.id, deliberations.c.slug).order_by(deliberations.c.id)
    ):
        if deliberation_id not in logged:
            backfill_deliberation(connection, deliberation_id, slug)


def history(connection, deliberation_id: int, alias) -> list[tuple]:
    """The deliberation's events as (time, order, event, subject, data), oldest first."""
    item_ids = sa.select(agenda_items.c.id).where(agenda_items.c.deliberation_id == deliberation_id)
    post_ids = sa.select(posts.c.id).where(posts.c.item_id.in_(item_ids))
    events = []
    for row in connection.execute(
        sa.select(audit_events).where(audit_events.c.deliberation_id == deliberation_id)
    ):
        data = leaves.audit_data(seq=row.seq, hash_=row.hash)
        events.append((row.created_at, 0, row.seq, row.action, row.target, data))
    revisions: dict[int, list] = {}
    for row in connection.execute(
        sa.select(post_revisions)
        .where(post_revisions.c.post_id.in_(post_ids))
        .order_by(post_revisions.c.replaced_at, post_revisions.c.id)
    ):
        revisions.setdefault(row.post_id, []).append(row)
    for post in connection.execute(sa.select(posts).where(posts.c.id.in_(post_ids))):
        kept = revisions.get(post.id, [])
        bodies = [revision.body for revision in kept] + [post.body]
        subject = f"post:{post.id}"
        data = leaves.post_created_data(
            item=post.item_id,
            parent=post.parent_id,
            author=alias(post.author_id),
            language=post.language,
            body=bodies[0],
        )
        events.append((post.created_at, 1, post.id, leaves.POST_CREATE, subject, data))
        for number, revision in enumerate(kept, 1):
            data = leaves.post_edited_data(
                revision=number, language=post.language, body=bodies[number]
            )
            events.append((revision.replaced_at, 2, post.id, leaves.POST_EDIT, subject, data))
    for row in connection.execute(
        sa.select(post_translations).where(post_translations.c.post_id.in_(post_ids))
    ):
        data = leaves.post_translated_data(
            language=row.language, translator=alias(row.translator_id), body=row.body
        )
        events.append(
            (row.created_at, 3, row.id, leaves.POST_TRANSLATE, f"post:{row.post_id}", data)
        )
    for row in connection.execute(sa.select(reactions).where(reactions.c.post_id.in_(post_ids))):
        data = leaves.reaction_data(
            post=row.post_id, member=alias(row.membership_id), stance=row.stance
        )
        events.append(
            (row.updated_at, 4, row.id, leaves.REACTION_CHANGE, f"post:{row.post_id}", data)
        )
    for row in connection.execute(
        sa.select(ballots, motions.c.secret)
        .join(motions, motions.c.id == ballots.c.motion_id)
        .where(motions.c.item_id.in_(item_ids))
    ):
        data = leaves.ballot_data(
            motion=row.motion_id,
            receipt=row.receipt,
            secret=bool(row.secret),
            member=alias(row.membership_id),
            choice=row.choice,
            sequence=row.sequence,
        )
        events.append(
            (row.updated_at, 5, row.id, leaves.BALLOT_CAST, f"receipt:{row.receipt}", data)
        )
    events.sort(key=lambda event: event[:3])
    return events


def backfill_deliberation(connection, deliberation_id: int, slug: str) -> None:
    """Append the deliberation's history to its (new) log, as the application would have."""
    key = secrets.token_hex(32)

    def alias(membership_id):
        return None if membership_id is None else leaves.pseudonym(key, membership_id)

    events = history(connection, deliberation_id, alias)
    if not events:
        return
    leaf_rows, node_rows, frontier = leaves.appended_leaves(
        deliberation_id,
        slug,
        0,
        [],
        [(event, subject, data, at) for at, _, _, event, subject, data in events],
        lambda at: at.replace(tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )
    connection.execute(sa.insert(log_leaves), leaf_rows)
    connection.execute(sa.insert(log_nodes), node_rows)
    connection.execute(
        sa.insert(log_states).values(
            deliberation_id=deliberation_id,
            size=len(events),
            root=frontier_root(frontier).hex(),
            updated_at=events[-1][0],
            pseudonym_key=key,
        )
    )
