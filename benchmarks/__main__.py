"""``make bench``: how fast the app starts and renders the demo deliberation page.

Measures, on throw-away SQLite files (the embedded default):
- cold start: a new Python process importing the app and running ``create_app()`` — once on
  an empty database (migrations + demo seeding, what the first ``make run`` does) and on a
  ready one (what every later start does);
- the demo deliberation page (/d/ai-action-plan) rendered in-process through the WSGI app:
  the first request, then the median and 95th percentile of many, with the SQL statements
  each request runs.

Then runs every other benchmark of this folder, each in its own process; each writes its own
section of BENCHMARKS.md (see report.py). ``--only NAME`` runs one.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.report import ROOT, write_section

DEMO_PATH = "/d/ai-action-plan"
STARTS = 5
RENDERS = 200
START_SCRIPT = "from commonground import create_app; create_app()"


def start_seconds(database: Path, *, demo: bool) -> float:
    """Wall time of one new process that builds the app (interpreter start included)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "benchmark",
        "AUTO_MIGRATE": "1",
        "DEMO": "1" if demo else "0",
    }
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", START_SCRIPT], env=env, check=True, cwd=ROOT)
    return time.perf_counter() - began


def measure_starts(workdir: Path) -> dict:
    first = [start_seconds(workdir / f"empty-{n}.db", demo=True) for n in range(STARTS)]
    ready = workdir / "empty-0.db"
    again = [start_seconds(ready, demo=True) for _ in range(STARTS)]
    return {"first": first, "ready": again, "database": ready}


def measure_renders(database: Path) -> dict:
    """Render the demo page in English and Arabic; count SQL statements per request."""
    import sqlalchemy as sa

    from commonground import create_app
    from commonground.db import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "benchmark"}
    )
    statements = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
    client = app.test_client()
    results = {}
    for language in ("en", "ar"):
        url = f"{DEMO_PATH}?lang={language}"
        began = time.perf_counter()
        response = client.get(url)
        first = time.perf_counter() - began
        assert response.status_code == 200, response.status
        timings = []
        statements.clear()
        for _ in range(RENDERS):
            began = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200
        results[language] = {
            "first": first,
            "median": statistics.median(timings),
            "p95": statistics.quantiles(timings, n=20)[-1],
            "statements": len(statements) / RENDERS,
            "bytes": len(response.data),
        }
    with app.app_context():
        db.engine.dispose()
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


HEADING = "## Start-up and the demo page (`python -m benchmarks --only startup`)"


def report(starts: dict, renders: dict) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        HEADING,
        "",
        "### Method",
        "",
        f"- Machine: {os.cpu_count()} cores ({cpu}), {platform.system()}, "
        f"Python {platform.python_version()}; run on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. Other work on the machine "
        "adds noise: compare runs made on the same machine at the same time.",
        "- Database: SQLite files in a temporary folder (the embedded default, WAL mode).",
        f'- Cold start: wall time of a new `python -c "{START_SCRIPT}"` process, '
        f"{STARTS} times each: on an empty database (`AUTO_MIGRATE=1 DEMO=1`: migrations "
        "applied, demo seeded, including hashing nine demo passwords with argon2id) and on "
        "the database it left behind (nothing to do).",
        f"- Demo page: `GET {DEMO_PATH}?lang=…` through the WSGI app in-process (Flask's test "
        f"client, no network), anonymous; the first request, then {RENDERS} more: median "
        "and 95th percentile; SQL statements counted per request.",
        "",
        "### Results",
        "",
        "| measure | median | min | max |",
        "| --- | --- | --- | --- |",
    ]
    for label, key in (("cold start, empty database", "first"), ("cold start, ready", "ready")):
        values = starts[key]
        lines.append(
            f"| {label} | {ms(statistics.median(values))} | {ms(min(values))} | {ms(max(values))} |"
        )
    lines += [
        "",
        "| demo page | first request | median | p95 | SQL statements | HTML size |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for language, result in renders.items():
        lines.append(
            f"| `{language}` | {ms(result['first'])} | {ms(result['median'])} "
            f"| {ms(result['p95'])} | {result['statements']:.0f} | {result['bytes']:,} B |"
        )
    return "\n".join(lines) + "\n"


#: Every other benchmark, each run in its own process (they start servers, fill databases and
#: measure memory, which must not mix), each writing its own section of BENCHMARKS.md.
OTHERS = {
    "tally": [sys.executable, "-m", "benchmarks.tally_100k", "--ballots", "1000000", "--record"],
    "polis": [sys.executable, "-m", "benchmarks.polis_import"],
    "discussion": [
        sys.executable,
        "benchmarks/discussion_latency.py",
        "--write",
        "BENCHMARKS.md",
    ],
    "records": [sys.executable, "-m", "benchmarks.records_export", "--record"],
    "flood": [sys.executable, "-m", "benchmarks.socket_flood", "--record"],
    "log": [sys.executable, "-m", "benchmarks.transparency_log", "--record"],
    "opinions": [sys.executable, "-m", "benchmarks.opinions", "--record"],
    "window": [sys.executable, "-m", "benchmarks.thread_window", "--record"],
    "search": [sys.executable, "-m", "benchmarks.search_100k", "--record"],
    "posting": [sys.executable, "-m", "benchmarks.posting_throughput", "--record"],
    "fanout": [sys.executable, "-m", "benchmarks.fanout", "--record", "--scaleout", "1,2,4"],
}


def run_startup() -> None:
    with tempfile.TemporaryDirectory(prefix="cg-bench-") as tmp:
        starts = measure_starts(Path(tmp))
        renders = measure_renders(starts["database"])
    text = report(starts, renders)
    write_section(text)
    print(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks, write BENCHMARKS.md.")
    parser.add_argument(
        "--only",
        action="append",
        choices=["startup", *OTHERS],
        help="run only these benchmarks (repeatable); all by default",
    )
    chosen = parser.parse_args(argv).only or ["startup", *OTHERS]
    failed = []
    for name in chosen:
        print(f"== {name}", flush=True)
        if name == "startup":
            run_startup()
        elif subprocess.run(OTHERS[name], cwd=ROOT).returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"benchmarks that failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
