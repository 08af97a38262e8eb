"""search index: FTS5 trigram on SQLite, pg_trgm on PostgreSQL

Revision ID: 5e4c0a1d7b93
Revises: 9d6d7b535386
Create Date: 2026-12-04 16:30:00.000000

SQLite: one FTS5 table ``search_index`` (trigram tokenizer) holding the searchable text of
posts, post translations, agenda items, item translations and consensus summaries, kept in
step by triggers on those tables and backfilled here. Its rowid is ``id * 8 + kind code``
(the codes of ``commonground.search.queries.KIND_CODES``), so a trigger finds a row's entry
by rowid. Its ``scope`` column says whose it is and who may see it, in single trigrams (one
index token each, cheap to intersect): the deliberation's id written as three characters of
the private use area (``commonground.search.rules.deliberation_token``), then ``{s}``
(every reader), ``{m}`` (hidden posts and their translations, summary drafts: moderators)
or ``{x}`` (replaced summaries: nobody) — so one FTS5 query finds, filters and ranks. Texts
are indexed with two spaces after them, so every character starts a trigram: the
``search_terms`` vocabulary (fts5vocab) then turns a one- or two-character term into the
indexed trigrams that begin with it. PostgreSQL: the ``pg_trgm`` extension and trigram GIN
indexes over the same texts (the expressions the search queries use). Both are invisible to
the models, so ``migrations/env.py`` leaves objects named ``search_…`` out of autogenerate's
comparison.
"""

from alembic import op

revision = "5e4c0a1d7b93"
down_revision = "9d6d7b535386"
branch_labels = None
depends_on = None

#: Per source: table, kind code, FROM clause (the row is ``r``, its item ``i``), title, body,
#: visibility, and the columns whose change re-indexes the row.
SOURCES = (
    (
        "posts",
        0,
        "posts AS r JOIN agenda_items AS i ON i.id = r.item_id",
        "''",
        "r.body",
        "CASE WHEN r.hidden THEN '{m}' ELSE '{s}' END",
        "body, hidden, item_id",
    ),
    (
        "post_translations",
        1,
        "post_translations AS r JOIN posts AS p ON p.id = r.post_id "
        "JOIN agenda_items AS i ON i.id = p.item_id",
        "''",
        "r.body",
        "CASE WHEN p.hidden THEN '{m}' ELSE '{s}' END",
        "body, post_id",
    ),
    (
        "agenda_items",
        2,
        "agenda_items AS r JOIN agenda_items AS i ON i.id = r.id",
        "r.title",
        "r.body",
        "'{s}'",
        "title, body",
    ),
    (
        "agenda_item_translations",
        3,
        "agenda_item_translations AS r JOIN agenda_items AS i ON i.id = r.item_id",
        "r.title",
        "r.body",
        "'{s}'",
        "title, body, item_id",
    ),
    (
        "consensus_summaries",
        4,
        "consensus_summaries AS r JOIN agenda_items AS i ON i.id = r.item_id",
        "''",
        "r.agreements || ' ' || r.divergences || ' ' || r.recommendations",
        "CASE WHEN r.status = 'draft' THEN '{m}' "
        "WHEN r.superseded_at IS NULL THEN '{s}' ELSE '{x}' END",
        "agreements, divergences, recommendations, status, superseded_at, item_id",
    ),
)


#: The deliberation's id as three private-use characters (base 6400 from U+E000).
DELIBERATION_TOKEN = (
    "char(57344 + (i.deliberation_id / 40960000) % 6400, "
    "57344 + (i.deliberation_id / 6400) % 6400, 57344 + i.deliberation_id % 6400)"
)


def entries(code: int, source: str, title: str, body: str, visibility: str, where: str) -> str:
    """The INSERT of the index entries of the source rows matching ``where``."""
    return (
        "INSERT INTO search_index (rowid, title, body, scope) "
        f"SELECT r.id * 8 + {code}, {title} || '  ', {body} || '  ', "
        f"{DELIBERATION_TOKEN} || ' ' || {visibility} FROM {source} WHERE {where};"
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
        "CREATE VIRTUAL TABLE search_index USING fts5(title, body, scope, tokenize = 'trigram')"
    )
    op.execute("CREATE VIRTUAL TABLE search_terms USING fts5vocab(search_index, row)")
    translations = SOURCES[1]
    for table, code, source, title, body, visibility, columns in SOURCES:
        entry = entries(code, source, title, body, visibility, "r.id = new.id")
        drop = f"DELETE FROM search_index WHERE rowid = old.id * 8 + {code};"
        if table == "posts":
            # Hiding a post hides its translations too.
            _, t_code, t_source, t_title, t_body, t_visibility, _ = translations
            entry += (
                " DELETE FROM search_index WHERE rowid IN "
                f"(SELECT id * 8 + {t_code} FROM post_translations WHERE post_id = new.id); "
                + entries(t_code, t_source, t_title, t_body, t_visibility, "r.post_id = new.id")
            )
        op.execute(f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN {entry} END")
        op.execute(
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE OF {columns} ON {table} "
            f"BEGIN {drop} {entry} END"
        )
        op.execute(f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN {drop} END")
        op.execute(entries(code, source, title, body, visibility, "1").rstrip(";"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, _table, _text in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute("DROP EXTENSION IF EXISTS pg_trgm")
        return
    for table, *_ in SOURCES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
    op.execute("DROP TABLE IF EXISTS search_terms")
    op.execute("DROP TABLE IF EXISTS search_index")
