"""search: posts by recency on PostgreSQL

Revision ID: 3b8e2f6a1c47
Revises: 5e4c0a1d7b93
Create Date: 2026-12-04 17:40:00.000000

The search ranks only the newest matches (``search.rules.RANKED_WINDOW``). On PostgreSQL an
index on ``posts (created_at, id)`` lets it read a common word's matches newest first and stop
after the window, instead of checking every match; a rare word is still found through the
trigram index. Named ``search_…``: invisible to the models, like the trigram indexes
(``migrations/env.py`` leaves such objects out of autogenerate's comparison). SQLite needs
none: its FTS5 index is read in rowid order.
"""

from alembic import op

revision = "3b8e2f6a1c47"
down_revision = "5e4c0a1d7b93"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX search_posts_recent ON posts (created_at, id)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS search_posts_recent")
