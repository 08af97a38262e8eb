"""Export time and peak memory of a consensus record with 100,000 posts (issue 6).

Builds, with bulk inserts into a throw-away SQLite file, a closed deliberation with the six
stakeholder groups of the Action Plan, 600 members, 13 agenda items and N posts (a third of
them replies, 1 % hidden, 5 % translated), about N reactions and the audit chain the
services write. Then, for each format (json, zip, html), a fresh Python process exports the
readers' record to a file through the same functions the CLI and the API use, and reports:

* wall time of the export;
* peak Python heap during the export (``tracemalloc``, in a second run: tracing slows the
  code down, so it is not timed);
* the process's peak resident set size (``VmHWM``; ``resource.ru_maxrss`` elsewhere) before
  the export — the application loaded — and its growth during the export: what the export
  adds to the process, allocator slack and the database's page cache included;
* the file size, and, for json and zip, the time ``records verify`` takes.

Flat memory means the peaks do not grow with the number of posts: the script measures N/10
posts too, and shows both.

Usage (from the repository root)::

    python -m benchmarks.records_export                  # 100,000 and 10,000 posts
    python -m benchmarks.records_export --posts 20000 --record   # also write BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

HEADING = "## Records: export of 100,000 posts (benchmarks/records_export.py)"
GROUPS = [
    ("governments", 2),
    ("international_organizations", 1),
    ("enterprises", 1),
    ("research_institutions", 1),
    ("civil_society", 1),
    ("individual_citizens", 1),
]
MEMBERS = 600
ITEMS = 13
FORMATS = ("json", "zip", "html")


def _app(database: Path):
    from commonground import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "benchmark",
            "AUTO_MIGRATE": True,
            "DEMO": False,
        }
    )


def build(database: Path, posts: int, seed: int = 2026) -> None:
    """Create the deliberation with ``posts`` posts in bulk; closed at the end."""
    import sqlalchemy as sa

    from commonground.accounts.models import User
    from commonground.db import db
    from commonground.deliberations.models import AgendaItem, Membership
    from commonground.deliberations.services import create_deliberation, update_deliberation
    from commonground.discussion.models import Post, PostTranslation, Reaction
    from commonground.discussion.rules import child_path
    from commonground.records.models import LogLeaf, LogNode, LogState

    rng = random.Random(seed)
    app = _app(database)
    with app.app_context():
        admin = User(email="admin@example.org", name="Admin", is_admin=True, session_nonce="x" * 32)
        db.session.add(admin)
        db.session.flush()
        deliberation = create_deliberation(
            admin,
            slug="bench",
            title="Records benchmark",
            scheme="groups",
            languages=["en", "fr"],
            groups=[{"key": k, "name": k.replace("_", " ").title(), "share": s} for k, s in GROUPS],
        )
        update_deliberation(admin, deliberation, status="open")
        db.session.commit()
        groups = [g.id for g in deliberation.groups]
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": f"m{n}@example.org",
                    "name": f"Member {n}",
                    "session_nonce": "x" * 32,
                    "is_admin": False,
                }
                for n in range(MEMBERS)
            ],
        )
        user_ids = list(db.session.scalars(sa.select(User.id).where(User.id != admin.id)))
        db.session.execute(
            sa.insert(Membership),
            [
                {
                    "deliberation_id": deliberation.id,
                    "user_id": user_id,
                    "role": "delegate",
                    "group_id": groups[n % len(groups)],
                    "weight": 1 + n % 3,
                }
                for n, user_id in enumerate(user_ids)
            ],
        )
        members = list(
            db.session.scalars(
                sa.select(Membership.id).where(Membership.deliberation_id == deliberation.id)
            )
        )
        db.session.execute(
            sa.insert(AgendaItem),
            [
                {
                    "deliberation_id": deliberation.id,
                    "position": n + 1,
                    "numeral": str(n + 1),
                    "title": f"Action {n + 1}",
                    "body": "The text of the action.",
                    "language": "en",
                    "status": "open",
                }
                for n in range(ITEMS)
            ],
        )
        items = list(
            db.session.scalars(
                sa.select(AgendaItem.id).where(AgendaItem.deliberation_id == deliberation.id)
            )
        )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        paths: dict[int, tuple[int, str]] = {}
        rows, translations, reactions = [], [], []
        for post_id in range(1, posts + 1):
            item = items[post_id % ITEMS]
            parent = None
            if post_id > ITEMS * 3 and rng.random() < 1 / 3:
                candidate = rng.randrange(max(1, post_id - 500), post_id)
                if paths[candidate][0] == item:
                    parent = candidate
            path = child_path(paths[parent][1] if parent else None, post_id)
            paths[post_id] = (item, path)
            hidden = rng.random() < 0.01
            rows.append(
                {
                    "id": post_id,
                    "item_id": item,
                    "author_id": rng.choice(members),
                    "parent_id": parent,
                    "path": path,
                    "body": f"Post {post_id}: we **agree** on point {rng.randrange(1000)}. "
                    + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 3,
                    "language": "en",
                    "created_at": start + timedelta(seconds=post_id),
                    "hidden": hidden,
                    "hidden_reason": "Off topic" if hidden else None,
                }
            )
            if rng.random() < 0.05:
                translations.append(
                    {
                        "post_id": post_id,
                        "language": "fr",
                        "body": f"Message {post_id} traduit.",
                        "created_at": start + timedelta(seconds=post_id + 1),
                    }
                )
            for member in rng.sample(members, rng.choice((0, 1, 1, 2))):
                reactions.append(
                    {
                        "post_id": post_id,
                        "membership_id": member,
                        "stance": rng.choice(("agree", "agree", "disagree", "pass")),
                        "updated_at": start + timedelta(seconds=post_id + 2),
                    }
                )
            if len(rows) >= 10_000:
                db.session.execute(sa.insert(Post), rows)
                rows.clear()
        if rows:
            db.session.execute(sa.insert(Post), rows)
        if translations:
            db.session.execute(sa.insert(PostTranslation), translations)
        for chunk in range(0, len(reactions), 20_000):
            db.session.execute(sa.insert(Reaction), reactions[chunk : chunk + 20_000])
        # Rows written in bulk bypass the services, so their leaves are missing: rebuild the
        # log from the history, as the migration that introduced it did for old databases.
        for model in (LogLeaf, LogNode, LogState):
            db.session.execute(sa.delete(model))
        backfill_logs(db.session.connection())
        update_deliberation(admin, deliberation, status="closed")
        db.session.commit()
        db.engine.dispose()


def backfill_logs(connection) -> None:
    """The backfill of the migration that introduced the transparency log."""
    import importlib.util

    path = next((ROOT / "migrations" / "versions").glob("*_transparency_log.py"))
    spec = importlib.util.spec_from_file_location("transparency_log_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.backfill(connection)


def peak_rss() -> int:
    """This process's peak resident set size in bytes.

    ``VmHWM`` from /proc where there is one: ``ru_maxrss`` survives ``exec`` on Linux, so a
    process started from a big parent would report the parent's peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(database: Path, format_: str, output: Path, traced: bool) -> dict:
    """Export once in this process (called in a fresh subprocess per measurement)."""
    import tracemalloc

    from commonground.records.collect import operator_source

    app = _app(database)
    with app.app_context():
        source = operator_source("bench")
        posts = source.post_count()
        before = peak_rss()
        if traced:
            tracemalloc.start()
        began = time.perf_counter()
        with output.open("wb") as handle:
            if format_ == "json":
                from commonground.records.export import stream_record_json

                for chunk in stream_record_json(source):
                    handle.write(chunk)
            elif format_ == "zip":
                from commonground.records.datapackage import write_datapackage

                write_datapackage(source, handle)
            else:
                from commonground.records.html import stream_record_html

                for chunk in stream_record_html(source, "en"):
                    handle.write(chunk.encode())
        seconds = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        after = peak_rss()
    result = {
        "format": format_,
        "posts": posts,
        "seconds": seconds,
        "heap_peak": peak,
        "rss_before": before,
        "rss_growth": after - before,
        "rss_peak": after,
        "bytes": output.stat().st_size,
    }
    return result


def measure_verify(path: Path, traced: bool) -> dict:
    """``records verify`` of ``path`` alone, in this (fresh) process: time, or with
    ``traced`` the peak Python heap; the growth of the peak resident set either way."""
    import tracemalloc

    from commonground.records.verify import verify_file

    before = peak_rss()
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    report = verify_file(path)
    seconds = time.perf_counter() - began
    assert report.ok, report.problems
    return {
        "verify_seconds": seconds,
        "verify_heap_peak": tracemalloc.get_traced_memory()[1] if traced else None,
        "verify_rss_growth": peak_rss() - before,
    }


def _run(*args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.records_export", *args],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_verify(output: Path) -> dict:
    """``records verify`` in two fresh processes: timed, and traced for its heap."""
    timed = _run("--verify", str(output))
    timed["verify_heap_peak"] = _run("--verify", str(output), "--traced")["verify_heap_peak"]
    return timed


def run_measurement(database: Path, format_: str, workdir: Path, traced: bool) -> dict:
    output = workdir / f"record-{database.stem}.{format_}"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.records_export",
            "--measure",
            format_,
            str(database),
            str(output),
            *(["--traced"] if traced else []),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def mib(value) -> str:
    return "—" if value is None else f"{value / 2**20:,.1f} MiB"


def report(results: list[dict]) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        HEADING,
        "",
        f"Measured {now} on {platform.node()} ({os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {platform.machine()}), SQLite file, readers' record. "
        f"Deliberation: {len(GROUPS)} groups, {MEMBERS} members, {ITEMS} items; posts a third "
        "replies, 1 % hidden, 5 % translated, about one reaction per post; closed. Each figure "
        "from a fresh process; heap peak from a second, traced run.",
        "",
        "| format | posts | export time | Python heap peak | RSS before → peak | file | verify "
        "| verify heap peak | verify RSS growth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        verify = f"{r['verify_seconds']:.1f} s" if r.get("verify_seconds") is not None else "—"
        lines.append(
            f"| {r['format']} | {r['posts']:,} | {r['seconds']:.1f} s | {mib(r['heap_peak'])} | "
            f"{mib(r['rss_before'])} → {mib(r['rss_peak'])} | {mib(r['bytes'])} | {verify} "
            f"| {mib(r.get('verify_heap_peak'))} | {mib(r.get('verify_rss_growth'))} |"
        )
    lines += [
        "",
        "Python heap peak is what the export itself holds at most (`tracemalloc`); RSS is the "
        "process's peak resident set before the export (the application loaded) and at its "
        "end (SQLite's page cache and allocator slack included). Both stay flat as the "
        "deliberation grows "
        "tenfold: posts stream in batches of 1,000 (keyset pagination on the thread path, "
        "the read transaction ended between batches), the JSON is written and hashed as it "
        "goes, the Data Package's tables go to temporary files first. `html` renders the "
        "record and then hashes the JSON record it cites, so it reads the posts twice. "
        "`verify` runs alone in fresh processes (timed; traced for its heap): it reads the "
        "file once, front to back, through a window of about 1 MiB, hashing as it reads, and "
        "keeps what the log's leaves say about each post in a temporary SQLite file; its "
        "heap peak is the largest single element it decodes (an item's bridging rows).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--record", action="store_true", help="write the result to BENCHMARKS.md")
    parser.add_argument("--measure", nargs=3, metavar=("FORMAT", "DATABASE", "OUTPUT"))
    parser.add_argument("--traced", action="store_true")
    parser.add_argument("--verify", metavar="FILE", help="measure records verify of FILE alone")
    args = parser.parse_args(argv)
    if args.verify:
        print(json.dumps(measure_verify(Path(args.verify), args.traced)))
        return
    if args.measure:
        format_, database, output = args.measure
        print(json.dumps(measure(Path(database), format_, Path(output), args.traced)))
        return
    formats = args.formats.split(",")
    results = []
    with tempfile.TemporaryDirectory(prefix="cg-bench-records-") as workdir:
        workdir = Path(workdir)
        for posts in (args.posts, args.posts // 10):
            database = workdir / f"posts-{posts}.db"
            began = time.perf_counter()
            build(database, posts)
            print(f"built {posts:,} posts in {time.perf_counter() - began:.1f} s", file=sys.stderr)
            for format_ in formats:
                timed = run_measurement(database, format_, workdir, traced=False)
                traced = run_measurement(database, format_, workdir, traced=True)
                timed["heap_peak"] = traced["heap_peak"]
                if format_ in ("json", "zip"):
                    timed.update(run_verify(workdir / f"record-{database.stem}.{format_}"))
                results.append(timed)
                print(json.dumps(timed), file=sys.stderr)
    section = report(results)
    print(section)
    if args.record:
        from benchmarks.report import write_section

        write_section(section)


if __name__ == "__main__":
    main()
