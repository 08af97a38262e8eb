"""Pol.is import: time and peak memory (issue 5).

``python -m benchmarks.polis_import`` imports each shared Pol.is conversation
(``../shared/data/polis``) into a fresh, migrated SQLite file — the embedded default — in a
new process per measurement, and reports:

- wall time of the whole import (checking pass + writing pass + commit), median of runs;
- peak memory: the process's maximum resident set size before and after the import (its
  growth is what the import added), and the peak of Python allocations during the import
  (``tracemalloc``, in a separate run because tracing slows Python down);
- the same for the larger conversation with its votes repeated ten times (each copy later
  than the last, so the same reactions result): memory must stay flat while time grows.

The results replace the "Pol.is import" section of BENCHMARKS.md (the rest of the file is
left as it is) and are printed.
"""

import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.report import write_section

ROOT = Path(__file__).resolve().parents[1]
POLIS = ROOT.parent / "shared" / "data" / "polis"
CONVERSATIONS = ("brexit-consensus", "15-per-hour-seattle")
RUNS = 3
SCALE = 10
HEADING = "## Pol.is import (issue 5)"


def child(folder: str, mode: str) -> dict:
    """One import in this (fresh) process; ``mode`` is ``time`` or ``trace``."""
    import resource
    import tracemalloc

    from commonground import create_app
    from commonground.db import db
    from commonground.records.polis_import import write_conversation
    from commonground.records.polis_read import check_export

    workdir = Path(tempfile.mkdtemp(prefix="polis-bench-"))
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
                "SECRET_KEY": "benchmark",
                "AUTO_MIGRATE": True,
                "DEMO": False,
            }
        )
        with app.app_context():
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            if mode == "trace":
                tracemalloc.start()
            began = time.perf_counter()
            conversation = check_export(Path(folder))
            checked = time.perf_counter()
            report = write_conversation(conversation, "bench")
            db.session.commit()
            ended = time.perf_counter()
            peak = tracemalloc.get_traced_memory()[1] if mode == "trace" else None
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            db.engine.dispose()
        return {
            "seconds": ended - began,
            "check_seconds": checked - began,
            "votes": report.votes_read,
            "reactions": report.reactions_created,
            "posts": report.posts_created,
            "members": report.members_created,
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "traced_peak_bytes": peak,
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_child(folder: Path, mode: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.polis_import", "--child", str(folder), mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def scaled_copy(folder: Path, workdir: Path, times: int) -> Path:
    """The conversation with every vote repeated ``times`` times, each copy later."""
    target = workdir / f"{folder.name}-x{times}"
    shutil.copytree(folder, target)
    with (folder / "votes.csv").open(newline="", encoding="utf-8") as source:
        rows = list(csv.reader(source))
    header, votes = rows[0], rows[1:]
    span = max(int(r[0]) for r in votes) - min(int(r[0]) for r in votes) + 1
    with (target / "votes.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for copy in range(times):
            for row in votes:
                writer.writerow([str(int(row[0]) + copy * span), *row[1:]])
    return target


def measure(folder: Path) -> dict:
    timed = [run_child(folder, "time") for _ in range(RUNS)]
    traced = run_child(folder, "trace")
    return {
        "folder": folder.name,
        "votes": timed[0]["votes"],
        "reactions": timed[0]["reactions"],
        "posts": timed[0]["posts"],
        "members": timed[0]["members"],
        "seconds": statistics.median(t["seconds"] for t in timed),
        "seconds_min": min(t["seconds"] for t in timed),
        "seconds_max": max(t["seconds"] for t in timed),
        "check_seconds": statistics.median(t["check_seconds"] for t in timed),
        "rss_before_mib": statistics.median(t["rss_before_kib"] for t in timed) / 1024,
        "rss_after_mib": statistics.median(t["rss_after_kib"] for t in timed) / 1024,
        "traced_peak_mib": traced["traced_peak_bytes"] / 2**20,
    }


def section(results: list[dict], scaled: dict | None) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        HEADING,
        "",
        "Produced by `python -m benchmarks.polis_import`; rerun it to refresh this section.",
        "",
        f"- Machine: {os.cpu_count()} cores ({platform.machine()}), {platform.system()}, "
        f"Python {platform.python_version()}; run on {now}. Other work on the machine adds noise.",
        "- Each measurement is a new process importing one shared Pol.is conversation "
        "(`../shared/data/polis/`) into a fresh, migrated SQLite file (WAL) as "
        "`flask polis import` does: the checking pass over all four CSV files, the writing "
        f"pass, the commit. Time: median of {RUNS} runs. Memory: the process's peak resident "
        "set size before and after the import (the interpreter and the app are most of it), "
        "and the peak of Python allocations during the import (`tracemalloc`, separate run).",
        f"- ×{SCALE}: the larger conversation with every vote row repeated {SCALE} times (each "
        "copy later than the last, so the same reactions result): more rows to stream, the "
        "same data to keep.",
        "",
        "| conversation | vote rows | reactions | posts | members | import time (min–max) "
        "| of which checking | peak RSS before → after | peak Python allocations |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in [*results, *([scaled] if scaled else [])]:
        lines.append(
            f"| {r['folder']} | {r['votes']:,} | {r['reactions']:,} | {r['posts']} "
            f"| {r['members']} | {r['seconds'] * 1000:.0f} ms ({r['seconds_min'] * 1000:.0f}–"
            f"{r['seconds_max'] * 1000:.0f}) | {r['check_seconds'] * 1000:.0f} ms "
            f"| {r['rss_before_mib']:.1f} → {r['rss_after_mib']:.1f} MiB "
            f"| {r['traced_peak_mib']:.2f} MiB |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
        return
    if not (POLIS / CONVERSATIONS[0] / "votes.csv").is_file():
        sys.exit(f"The shared Pol.is data is not at {POLIS}.")
    results = [measure(POLIS / name) for name in CONVERSATIONS]
    largest = max(results, key=lambda r: r["votes"])
    with tempfile.TemporaryDirectory() as workdir:
        scaled = measure(scaled_copy(POLIS / largest["folder"], Path(workdir), SCALE))
    scaled["folder"] = f"{largest['folder']} ×{SCALE}"
    text = section(results, scaled)
    write_section(text)
    print(text)


if __name__ == "__main__":
    main()
