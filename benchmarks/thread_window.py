"""Threads that stay light (issue 15, item 8): what the item page and ``GET …/posts`` cost
with a window of threads, against the whole thread rendered as before, in the same run.

An item with 1,000 and with 5,000 posts (threads of varied length: a quarter of the posts
start a thread, the others answer one of the latest posts at any depth; translations on
every fifth post, some hidden), read in-process through the WSGI app by a signed-in
delegate:

* ``window``: the item page and ``GET /api/v1/items/<id>/posts`` as served (the newest
  threads: at most 100 threads and 100 posts), and the page of a window deep in the thread
  (``?around=<an early post>``);
* ``whole thread``: the same page with the window made larger than the thread (what the
  page rendered before windows), and the API with ``?after=0`` (every post).

Per request: bytes of the answer, SQL statements, median and p95 time.

    python -m benchmarks.thread_window            # print
    python -m benchmarks.thread_window --record   # also write its section of BENCHMARKS.md
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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))
sys.path.insert(0, str(ROOT))

from benchmarks.report import write_section  # noqa: E402

SIZES = (1000, 5000)
HEADING = "## Threads that stay light (`python -m benchmarks.thread_window`)"


def seed(app, size: int) -> dict:
    """A fresh deliberation with two delegates and an item of ``size`` posts."""
    import sqlalchemy as sa

    from commonground.accounts.auth import new_session_nonce
    from commonground.accounts.models import User
    from commonground.db import db, utcnow
    from commonground.deliberations.models import (
        AgendaItem,
        Deliberation,
        Membership,
        StakeholderGroup,
    )
    from commonground.discussion.models import Post, PostTranslation
    from commonground.discussion.rules import child_path

    rng = random.Random(size)
    deliberation = Deliberation(
        slug=f"bench-{size}", title="Benchmark", status="open", languages=["en", "fr"]
    )
    groups = [
        StakeholderGroup(deliberation=deliberation, key=f"g{n}", name=f"Group {n}", position=n)
        for n in range(2)
    ]
    item = AgendaItem(deliberation=deliberation, position=1, title="Windows", status="open")
    db.session.add_all([deliberation, *groups, item])
    members = []
    for n in range(2):
        user = User(
            email=f"d{n}-{size}@bench.local",
            name=f"Delegate {n}",
            session_nonce=new_session_nonce(),
        )
        db.session.add(user)
        db.session.flush()
        member = Membership(user_id=user.id, deliberation=deliberation, role="delegate")
        member.group = groups[n]
        db.session.add(member)
        members.append((user, member))
    db.session.flush()
    first = (db.session.scalar(sa.select(sa.func.max(Post.id))) or 0) + 1
    paths: dict[int, str] = {}
    rows, translations = [], []
    for post_id in range(first, first + size):
        parent = None
        if paths and rng.random() > 0.25:
            parent = rng.choice(list(paths)[-20:])
        paths[post_id] = child_path(paths[parent] if parent else None, post_id)
        rows.append(
            {
                "id": post_id,
                "item_id": item.id,
                "author_id": members[post_id % 2][1].id,
                "parent_id": parent,
                "path": paths[post_id],
                "body": f"Post **{post_id}** with a [link](https://example.org/{post_id}) "
                "and a sentence or two of argument, as delegates write them.",
                "language": rng.choice(["en", "fr"]),
                "created_at": utcnow(),
                "hidden": post_id % 37 == 0,
                "hidden_reason": "Off topic" if post_id % 37 == 0 else None,
                "floor_intervention": False,
            }
        )
        if post_id % 5 == 0:
            translations.append(
                {
                    "post_id": post_id,
                    "language": "ar",
                    "body": f"ترجمة {post_id}",
                    "translator_id": members[0][1].id,
                    "created_at": utcnow(),
                }
            )
    db.session.execute(sa.insert(Post), rows)
    db.session.execute(sa.insert(PostTranslation), translations)
    db.session.commit()
    return {
        "page": f"/d/{deliberation.slug}/items/{item.id}",
        "api": f"/api/v1/items/{item.id}/posts",
        "user": members[0][0].get_id(),
        "early": first + 3,
    }


def timed(client, url: str, runs: int, statements: list) -> dict:
    client.get(url)  # warm up
    timings, counts = [], []
    for _ in range(runs):
        statements.clear()
        began = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - began)
        counts.append(len(statements))
        assert response.status_code == 200, (url, response.status)
    return {
        "bytes": len(response.data),
        "statements": statistics.mode(counts),
        "median": statistics.median(timings),
        "p95": sorted(timings)[max(0, round(len(timings) * 0.95) - 1)],
        "posts": response.get_data(as_text=True).count('data-post-id="')
        or response.get_data(as_text=True).count('"path"'),
    }


def measure(runs: int) -> list[dict]:
    import sqlalchemy as sa
    from flask import g

    from commonground import create_app
    from commonground.db import db

    results = []
    with tempfile.TemporaryDirectory(prefix="cg-bench-window-") as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "SECRET_KEY": "benchmark",
                "AUTO_MIGRATE": True,
                "DEMO": False,
            }
        )
        # Every request gets an empty ``g`` (the signed-in user is read again), as in
        # production, though the benchmark keeps an app context open around them.
        app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
        statements: list = []
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
            for size in SIZES:
                world = seed(app, size)
                client = app.test_client()
                with client.session_transaction() as session:
                    session["_user_id"] = world["user"]
                    session["_fresh"] = True
                cases = [
                    ("item page", "window (newest)", world["page"], runs, None),
                    ("item page", "window (`around` an early post)",
                     f"{world['page']}?around={world['early']}", runs, None),
                    ("item page", "whole thread (before)", world["page"], max(3, runs // 5),
                     {"THREAD_WINDOW_THREADS": 10**6, "THREAD_WINDOW_POSTS": 10**6}),
                    ("posts API", "window (newest)", world["api"], runs, None),
                    ("posts API", "whole thread (`after=0`)", f"{world['api']}?after=0",
                     max(3, runs // 5), None),
                ]  # fmt: skip
                for what, how, url, count, config in cases:
                    saved = {k: app.config.get(k) for k in (config or {})}
                    app.config.update(config or {})
                    result = timed(client, url, count, statements)
                    for key, value in saved.items():
                        if value is None:
                            app.config.pop(key, None)
                        else:
                            app.config[key] = value
                    results.append({"size": size, "what": what, "how": how, **result})
                    print(size, what, how, result, flush=True)
            db.session.remove()
            db.engine.dispose()
    return results


def report(results: list[dict], runs: int) -> str:
    ms = lambda seconds: f"{seconds * 1000:.1f} ms"  # noqa: E731
    lines = [
        HEADING,
        "",
        "### Method",
        "",
        f"- Machine: {os.cpu_count()} cores ({platform.machine()}), {platform.system()}, "
        f"Python {platform.python_version()}; run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        "shared with other work (noise: compare rows of one run).",
        "- SQLite file in a temporary folder; requests in-process through the WSGI app "
        "(Flask's test client, no network), a signed-in delegate. Items of 1,000 and 5,000 "
        "posts: a quarter start a thread, the others answer one of the 20 latest posts at "
        "any depth; every fifth post translated, every 37th hidden.",
        "- Baseline, same run, same data: the whole thread as the page rendered it before "
        "windows (the window made larger than the thread) and the API with `after=0`.",
        f"- {runs} requests per window case, {max(3, runs // 5)} per whole-thread case, "
        "after one warm-up; SQL statements counted with a `before_cursor_execute` listener.",
        "",
        "### Results",
        "",
        "| posts | request | shown | posts shown | size | SQL statements | median | p95 "
        "| size vs whole | time vs whole |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in results:
        whole = next(
            r
            for r in results
            if r["size"] == row["size"] and r["what"] == row["what"] and "whole" in r["how"]
        )
        lines.append(
            f"| {row['size']:,} | {row['what']} | {row['how']} | {row['posts']:,} "
            f"| {row['bytes'] / 1024:,.0f} KB | {row['statements']} | {ms(row['median'])} "
            f"| {ms(row['p95'])} | {row['bytes'] / whole['bytes']:.3f}× "
            f"| {row['median'] / whole['median']:.3f}× |"
        )
    lines += [
        "",
        "The window holds whole threads, newest last: at most 100 threads and no further "
        "thread once it holds 100 posts (a post longer than 2,000 characters counting once "
        "more per 2,000; always at least one thread). The windows' statements are "
        "the same at 1,000 and 5,000 posts; the size and time of the whole thread grow with it.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--record", action="store_true", help="write BENCHMARKS.md")
    args = parser.parse_args(argv)
    text = report(measure(args.runs), args.runs)
    print(text)
    if args.record:
        write_section(text)


if __name__ == "__main__":
    main()
