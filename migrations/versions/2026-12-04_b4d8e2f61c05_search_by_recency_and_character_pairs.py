"""search on PostgreSQL: newest texts first, and an index of character pairs

Revision ID: b4d8e2f61c05
Revises: a7c3e9f2b614
Create Date: 2026-12-04 19:30:00.000000

PostgreSQL only (SQLite's FTS5 index already does both). Two kinds of index for
``commonground.search.queries``:

* B-tree indexes on the creation time of posts and post translations, so that a search
  first looks among the newest texts only instead of checking every match of a common word;
* full-text GIN indexes over the texts of posts and their translations rewritten as their
  pairs of consecutive characters, each pair a word (``abc`` → ``a ab bc c``; ``'simple'``
  configuration): every one- or two-character substring of a text then begins one of its
  words, so a one- or two-character term (a Chinese word) is found through the index (a
  prefix query, ``'ab':*``) instead of by reading every text. Such a match is exact, so
  PostgreSQL checks no text again for it. The expression is the one the queries write
  (``commonground.search.queries.character_pairs``).

Like the other search objects their names begin with ``search_``, which
``migrations/env.py`` leaves out of autogenerate's comparison.
"""

from alembic import op

revision = "b4d8e2f61c05"
down_revision = "a7c3e9f2b614"
branch_labels = None
depends_on = None

#: Creation-time indexes: name, table.
RECENCY_INDEXES = (
    ("search_posts_created_at", "posts"),
    ("search_post_translations_created_at", "post_translations"),
)

#: Character-pair indexes: name, table, searchable text. Posts and their translations only:
#: their texts are at most 20,000 characters, whose pairs fit in a ``tsvector`` (at most 1 MB:
#: ~280 kB for 20,000 characters that are all different); the few rows of a deliberation's
#: items and summaries (whose texts may be longer) are read.
PAIR_INDEXES = (
    ("search_posts_pairs", "posts", "body"),
    ("search_post_translations_pairs", "post_translations", "body"),
)


def character_pairs(text: str) -> str:
    """The words of the text's pairs of consecutive characters."""
    return f"to_tsvector('simple', regexp_replace({text}, '(.)', '\\1 \\1', 'g'))"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table in RECENCY_INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} (created_at)")
    for name, table, text in PAIR_INDEXES:
        op.execute(
            f"CREATE INDEX {name} ON {table} USING gin (({character_pairs(text)}))"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _text in PAIR_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, _table in RECENCY_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
