"""How long a search takes in a deliberation of 100,000 posts (issue 14), against a plain
LIKE scan run side by side on the same data.

Builds one public deliberation with 20 agenda items and N posts in the six UN languages
(sentences drawn from a small vocabulary per language, so common words match thousands of
posts; a rare word is planted in 10), then times, per query:

* ``search``: ``search.queries.search`` — the page of 20 best results, as the API serves it
  (SQLite: FTS5 trigram index + bm25; PostgreSQL: the newest texts first, ``pg_trgm`` and an
  index of character pairs for terms under three characters, ``ts_rank``);
* ``api``: the whole ``GET /api/v1/deliberations/<slug>/search`` request in-process (auth,
  query, snippets, JSON);
* ``baseline``: the same 20 results the plain way — every post of the deliberation scanned
  with ``LIKE '%term%'`` for each term, ranked by how often the terms occur.

Usage (from the repository root)::

    python -m benchmarks.search_100k                 # SQLite in a temporary file
    python -m benchmarks.search_100k --database postgresql+psycopg://postgres@127.0.0.1/bench \
        --database sqlite --record                   # both, and write BENCHMARKS.md

``--database`` must name an empty database (``sqlite`` = a temporary SQLite file), or, with
``--reuse``, one this benchmark has already filled (its deliberation ``bench`` is then searched
as it is, and the build time reported is 0): build once, measure many times.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

import sqlalchemy as sa  # noqa: E402

from benchmarks.report import database_label, write_section  # noqa: E402
from commonground import create_app  # noqa: E402
from commonground.db import db  # noqa: E402

HEADING = "## Search: 100,000 posts (benchmarks/search_100k.py)"
SLUG = "bench"
RARE = "zeitgeist"

#: Words per language; a post is 12–30 of them (Chinese: joined without spaces).
VOCABULARY = {
    "en": [
        "governance",
        "capacity",
        "building",
        "inclusive",
        "cooperation",
        "safety",
        "risk",
        "data",
        "privacy",
        "innovation",
        "development",
        "trust",
        "standards",
        "ethics",
        "access",
        "openness",
        "research",
        "public",
        "sector",
        "society",
        "global",
        "south",
        "infrastructure",
        "digital",
        "divide",
        "skills",
        "education",
    ],
    "fr": [
        "gouvernance",
        "capacité",
        "coopération",
        "inclusive",
        "sécurité",
        "risque",
        "données",
        "vie",
        "privée",
        "innovation",
        "développement",
        "confiance",
        "normes",
        "éthique",
        "accès",
        "recherche",
        "société",
        "numérique",
        "fracture",
        "compétences",
        "éducation",
    ],
    "es": [
        "gobernanza",
        "capacidad",
        "cooperación",
        "inclusiva",
        "seguridad",
        "riesgo",
        "datos",
        "privacidad",
        "innovación",
        "desarrollo",
        "confianza",
        "normas",
        "ética",
        "acceso",
        "investigación",
        "sociedad",
        "digital",
        "brecha",
        "habilidades",
        "educación",
    ],
    "ru": [
        "управление",
        "потенциал",
        "сотрудничество",
        "безопасность",
        "риск",
        "данные",
        "конфиденциальность",
        "инновации",
        "развитие",
        "доверие",
        "стандарты",
        "этика",
        "доступ",
        "исследования",
        "общество",
        "цифровой",
        "разрыв",
        "навыки",
        "образование",
    ],
    "zh": [
        "治理",
        "能力",
        "建设",
        "包容",
        "合作",
        "安全",
        "风险",
        "数据",
        "隐私",
        "创新",
        "发展",
        "信任",
        "标准",
        "伦理",
        "开放",
        "研究",
        "社会",
        "全球",
        "南方",
        "基础",
        "设施",
        "数字",
        "鸿沟",
        "技能",
        "教育",
    ],
    "ar": [
        "حوكمة",
        "قدرات",
        "بناء",
        "شامل",
        "تعاون",
        "سلامة",
        "مخاطر",
        "بيانات",
        "خصوصية",
        "ابتكار",
        "تنمية",
        "ثقة",
        "معايير",
        "أخلاقيات",
        "وصول",
        "بحث",
        "مجتمع",
        "رقمي",
        "فجوة",
        "مهارات",
        "تعليم",
    ],
}

#: (label, query): indexed words common and rare, several words, 1–2 character terms.
QUERIES = [
    ("en common word", "governance"),
    ("en two words", "digital divide"),
    ("en rare word", RARE),
    ("ar word", "حوكمة"),
    ("ru word", "сотрудничество"),
    ("zh 2 chars, common", "治理"),
    ("zh 2 chars, absent", "宇宙"),
    ("zh 1 char", "鸿"),
    ("en 2 letters + word", "ai governance"),
    ("en + ru words, never together", "governance сотрудничество"),
    ("en common + rare word", f"governance {RARE}"),
]


def sentence(rng: random.Random, language: str) -> str:
    words = rng.choices(VOCABULARY[language], k=rng.randint(12, 30))
    return ("" if language == "zh" else " ").join(words) + ("。" if language == "zh" else ".")


def build(posts: int, seed: int = 2026) -> None:
    """One public deliberation, 20 items, one author, ``posts`` posts in bulk."""
    from commonground.accounts.models import User
    from commonground.deliberations.models import AgendaItem, Deliberation, Membership
    from commonground.discussion.models import Post

    rng = random.Random(seed)
    deliberation = Deliberation(
        slug=SLUG, title="Benchmark", status="open", is_public=True, languages=list(VOCABULARY)
    )
    author = User(email="author@bench.example", name="Author", session_nonce="x")
    db.session.add_all([deliberation, author])
    db.session.flush()
    member = Membership(deliberation_id=deliberation.id, user_id=author.id, role="delegate")
    items = [
        AgendaItem(deliberation_id=deliberation.id, position=n, title=f"Item {n}", status="open")
        for n in range(1, 21)
    ]
    db.session.add_all([member, *items])
    db.session.flush()
    languages = list(VOCABULARY)
    rare = set(rng.sample(range(posts), 10))
    start = datetime.now(UTC) - timedelta(days=30)
    batch = 5_000
    for first in range(0, posts, batch):
        rows = []
        for n in range(first, min(posts, first + batch)):
            language = languages[n % len(languages)]
            body = sentence(rng, language)
            if n in rare:
                body += f" The {RARE} of our time."
            rows.append(
                {
                    "item_id": items[n % len(items)].id,
                    "author_id": member.id,
                    "path": f"{n + 1:010d}",
                    "body": body,
                    "language": language,
                    "created_at": start + timedelta(seconds=n),
                }
            )
        db.session.execute(sa.insert(Post), rows)
    db.session.commit()


def baseline(deliberation_id: int, query) -> list:
    """The plain way: scan every post with LIKE per term, rank by occurrences."""
    from commonground.deliberations.models import AgendaItem
    from commonground.discussion.models import Post
    from commonground.search.rules import like_pattern

    lowered = sa.func.lower(Post.body)
    occurrences = sum(
        (sa.func.length(lowered) - sa.func.length(sa.func.replace(lowered, t.lower(), "")))
        / max(1, len(t))
        for t in query.terms
    )
    select = (
        sa.select(Post.id, Post.body, occurrences.label("score"))
        .join(AgendaItem, AgendaItem.id == Post.item_id)
        .where(AgendaItem.deliberation_id == deliberation_id, Post.hidden.is_(False))
        .order_by(sa.desc("score"), Post.created_at.desc())
        .limit(21)
    )
    for term in query.terms:
        select = select.where(Post.body.like(like_pattern(term), escape="\\"))
    if db.engine.dialect.name == "postgresql":
        # A plain scan: PostgreSQL would otherwise answer LIKE from the search's own index.
        db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    return db.session.execute(select).all()


def backend_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backend serving this session (when the
    server runs on this machine: ``/proc/<pid>/schedstat``, in nanoseconds); 0 for SQLite,
    whose work is done in this process."""
    if db.engine.dialect.name != "postgresql":
        return 0.0
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except OSError:
        return 0.0


def timed(function, repeat: int, server: bool = False) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of ``repeat`` runs, after one warm-up run, as
    a running server would be. The CPU time is this process's, plus, with ``server``, the
    database backend's (the session's connection). On a shared machine the CPU time is the
    work done; the wall-clock time adds the wait for a core."""
    function()
    wall, cpu = [], []
    for _ in range(repeat):
        backend = backend_cpu() if server else 0.0
        started, used = time.perf_counter(), time.process_time()
        function()
        elapsed, spent = time.perf_counter() - started, time.process_time() - used
        wall.append(elapsed)
        cpu.append(spent + ((backend_cpu() - backend) if server else 0.0))
    return statistics.median(wall), statistics.median(cpu)


def run(database_url: str | None, posts: int, repeat: int, reuse: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if database_url in (None, "", "sqlite"):
            database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "benchmark",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "AUTO_MIGRATE": True,
                "DEMO": False,
            }
        )
        client = app.test_client()
        with app.app_context():
            from commonground.deliberations.models import Deliberation
            from commonground.search import queries
            from commonground.search.rules import parse_query

            started = time.perf_counter()
            built = reuse and db.session.scalar(
                sa.select(sa.func.count()).where(Deliberation.slug == SLUG)
            )
            if built:
                posts = db.session.scalar(sa.text("SELECT count(*) FROM posts"))
            else:
                build(posts)
            build_seconds = time.perf_counter() - started
            if not built and db.engine.dialect.name == "postgresql":
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
            deliberation = db.session.scalar(
                sa.select(Deliberation).where(Deliberation.slug == SLUG)
            )
            rows = []
            for label, text in QUERIES:
                query = parse_query(text)
                results = queries.search(None, deliberation, query, page=1, per_page=20)
                found = len(results.hits)
                search_runs = timed(
                    lambda q=query: queries.search(None, deliberation, q, page=1, per_page=20),
                    repeat,
                    server=True,
                )
                url = f"/api/v1/deliberations/{SLUG}/search"

                def api(text=text, url=url):
                    response = client.get(url, query_string={"q": text})
                    assert response.status_code == 200, response.get_json()

                api_runs = timed(api, repeat)
                baseline_found = len(baseline(deliberation.id, query)[:20])
                baseline_runs = timed(
                    lambda q=query: baseline(deliberation.id, q), repeat, server=True
                )
                db.session.rollback()
                rows.append(
                    {
                        "label": label,
                        "query": text,
                        "found": found,
                        "baseline_found": baseline_found,
                        "search": search_runs,
                        "api": api_runs,
                        "baseline": baseline_runs,
                    }
                )
            database = database_label(db)
            db.session.remove()
            db.engine.dispose()
    return {
        "database": database,
        "posts": posts,
        "build": None if built else build_seconds,
        "rows": rows,
    }


def ms(times: tuple[float, float]) -> str:
    """Wall-clock (CPU) milliseconds."""
    wall, cpu = times
    return f"{wall * 1000:.1f} ({cpu * 1000:.1f}) ms"


def ratio(row: dict, index: int) -> str:
    """Baseline ÷ search, of wall-clock (0) or CPU (1) times."""
    return f"{row['baseline'][index] / max(row['search'][index], 1e-6):.1f}×"


def report(results: list[dict], repeat: int) -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}"
        f" ({os.cpu_count()} CPUs shared with other work, Python {platform.python_version()}, "
        f"{platform.machine()}; load average {load}). Rerun: "
        "`python -m benchmarks.search_100k [--database URL] --record`.",
        "",
        "One public deliberation, 20 items, posts spread over the six UN languages (12–30 words "
        f"each from a small vocabulary per language; `{RARE}` planted in 10 posts). Median of "
        f"{repeat} runs after one warm-up: wall-clock, and in brackets the CPU time (the "
        "work itself, without waiting for a core on a shared machine): of the process, and "
        "for `search` and `baseline` on PostgreSQL plus that of the server's backend serving "
        "the session (`/proc/<pid>/schedstat`; `api` counts the client only). "
        "`search` = `search.queries.search` (the "
        "first page of 20); `api` = the whole `GET …/search?q=` request in-process; "
        "`baseline` = a plain `LIKE '%term%'` scan of the deliberation's posts ranked by "
        "occurrences (posts only, no snippets). `ratio` = baseline ÷ search (wall-clock, and "
        "CPU in brackets).",
        "",
    ]
    for r in results:
        lines += [
            f"**{r['database']}**, {r['posts']:,} posts ("
            + ("a database built before" if r["build"] is None else f"built in {r['build']:.0f} s")
            + ", index included):",
            "",
            "| query | results (page 1) | search | api | baseline | ratio |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in r["rows"]:
            lines.append(
                f"| {row['label']}: `{row['query']}` | {row['found']} | {ms(row['search'])} | "
                f"{ms(row['api'])} | {ms(row['baseline'])} | "
                f"{ratio(row, 0)} ({ratio(row, 1)}) |"
            )
        lines.append("")
    lines += [
        "How to read it: only the newest 200 matches are ranked (README, Search). SQLite "
        "reads the FTS5 matches newest first up to the 200th (the deliberation and who may "
        "see each entry are tokens of its `scope` column), then bm25 ranks from that rowid "
        "on; what still grows with the matches is bm25's count of the documents holding each "
        "phrase. One- and two-character terms (`治理`, `鸿`) are looked up as the indexed "
        "trigrams that begin with them; a term found nowhere answers at once. On PostgreSQL "
        "the texts created since the 5,000th newest post are searched first, newest first "
        "(an index on the creation time): a common word has its newest 200 matches there, "
        "and `ts_rank` ranks those. Otherwise (a rarer word, or words that never occur "
        "together: two statements) every text is searched: the `pg_trgm` index finds the "
        "matches of terms of three characters or more and each is checked (ILIKE); a term "
        "of one or two characters is a prefix in a full-text index of the texts' character "
        "pairs (an exact match: no text is read again for it; a term found nowhere answers "
        "at once).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--database", action="append", help="an empty database URL, or 'sqlite' (repeatable)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="search a database this benchmark has already filled instead of building one",
    )
    parser.add_argument("--record", action="store_true", help="write the section of BENCHMARKS.md")
    args = parser.parse_args(argv)
    results = [
        run(url, args.posts, args.repeat, args.reuse) for url in (args.database or ["sqlite"])
    ]
    text = report(results, args.repeat)
    print(text)
    if args.record:
        write_section(text)


if __name__ == "__main__":
    main()
