"""search index: FTS5 trigram on SQLite, pg_trgm on PostgreSQL

Revision ID: 5e4c0a1d7b93
Revises: f79f41aa58a7
Create Date: 2026-12-04 16:30:00.000000

SQLite: one FTS5 table ``search_index`` (trigram tokenizer) holding the searchable text of
posts, post translations, agenda items, item translations and consensus summaries, kept in
step by triggers on those tables and backfilled here. Its rowid is ``id * 8 + kind code``
(the codes of ``commonground.search.queries.KIND_CODES``), so a trigger finds a row's entry
by rowid. PostgreSQL: the ``pg_trgm`` extension and trigram GIN indexes over the same texts
(the expressions the search queries use). Both are invisible to the models, so
``migrations/env.py`` leaves objects named ``search_…`` out of autogenerate's comparison.
"""

from alembic import op

revision = "5e4c0a1d7b93"
down_revision = "f79f41aa58a7"
branch_labels = None
depends_on = None

#: table, kind, code, title expression, body expression, columns whose change re-indexes.
SOURCES = (
    ("posts", "post", 0, "''", "{r}.body", "body"),
    ("post_translations", "translation", 1, "''", "{r}.body", "body"),
    ("agenda_items", "item", 2, "{r}.title", "{r}.body", "title, body"),
    ("agenda_item_translations", "item_translation", 3, "{r}.title", "{r}.body", "title, body"),
    (
        "consensus_summaries",
        "summary",
        4,
        "''",
        "{r}.agreements || ' ' || {r}.divergences || ' ' || {r}.recommendations",
        "agreements, divergences, recommendations",
    ),
)

#: The PostgreSQL trigram indexes: name, table, indexed text (as the queries write it).
TRIGRAM_INDEXES = (
    ("search_posts_trgm", "posts", "body"),
    ("search_post_translations_trgm", "post_translations", "body"),
    ("search_agenda_items_trgm", "agenda_items", "title || ' ' || body"),
    ("search_agenda_item_translations_trgm", "agenda_item_translations", "title || ' ' || body"),
    (
        "search_consensus_summaries_trgm",
        "consensus_summaries",
        "agreements || ' ' || divergences || ' ' || recommendations",
    ),
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, text in TRIGRAM_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (({text}) gin_trgm_ops)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title, body, kind UNINDEXED, ref UNINDEXED, tokenize = 'trigram')"
    )
    for table, kind, code, title, body, columns in SOURCES:
        entry = (
            "INSERT INTO search_index (rowid, title, body, kind, ref) "
            f"VALUES (new.id * 8 + {code}, {title.format(r='new')}, {body.format(r='new')}, "
            f"'{kind}', new.id);"
        )
        drop = f"DELETE FROM search_index WHERE rowid = old.id * 8 + {code};"
        op.execute(f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN {entry} END")
        op.execute(
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE OF {columns} ON {table} "
            f"BEGIN {drop} {entry} END"
        )
        op.execute(f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN {drop} END")
        op.execute(
            "INSERT INTO search_index (rowid, title, body, kind, ref) "
            f"SELECT r.id * 8 + {code}, {title.format(r='r')}, {body.format(r='r')}, '{kind}', r.id "
            f"FROM {table} AS r"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, _table, _text in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute("DROP EXTENSION IF EXISTS pg_trgm")
        return
    for table, *_ in SOURCES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
    op.execute("DROP TABLE IF EXISTS search_index")
