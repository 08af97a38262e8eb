"""search on PostgreSQL: newest texts first, and an index of character pairs

Revision ID: b4d8e2f61c05
Revises: a7c3e9f2b614
Create Date: 2026-12-04 19:30:00.000000

PostgreSQL only (SQLite's FTS5 index already does both). Two kinds of index for
``commonground.search.queries``:

* B-tree indexes on the creation time of posts and post translations, so that a search
  first looks among the newest texts only (reading them newest first and stopping once it
  has the window it ranks) instead of checking every match of a common word;
* full-text GIN indexes over each searchable text rewritten as its pairs of consecutive
  characters, each pair a word (``abc`` → ``a ab bc c``; ``'simple'`` configuration): every
  one- or two-character substring of the text then begins one of its words, so a one- or
  two-character term (a Chinese word) is found through the index (a prefix query,
  ``'ab':*``) instead of by reading every text. Such a match is exact, so PostgreSQL checks
  no text again for it. The expression is the one the queries write
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

#: Character-pair indexes: name, table, searchable text (as in the trigram indexes).
PAIR_INDEXES = (
    ("search_posts_pairs", "posts", "body"),
    ("search_post_translations_pairs", "post_translations", "body"),
    ("search_agenda_items_pairs", "agenda_items", "title || ' ' || body"),
    ("search_agenda_item_translations_pairs", "agenda_item_translations", "title || ' ' || body"),
    (
        "search_consensus_summaries_pairs",
        "consensus_summaries",
        "agreements || ' ' || divergences || ' ' || recommendations",
    ),
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
