"""Socket flood benchmark: does one client flooding the server delay everyone else?

    python -m benchmarks.socket_flood            # print the results
    python -m benchmarks.socket_flood --record   # and write the section of BENCHMARKS.md

A real server process (``gunicorn -k gevent -w 1``, the documented production command) on a
throw-away SQLite file; python-socketio clients over websocket. A *bystander* follows the
live session (``session:join`` — an event that reads the database) 40 times, one after
another, and times each ack. Three runs, side by side in one process:

1. quiet: nobody else sends anything (the baseline);
2. flood, with the event budgets (the defaults, ``SOCKET_RATE_LIMIT``): meanwhile a
   *flooder* fires 2,000 ``session:join`` events without waiting for their acks;
3. flood, budgets off (``SOCKET_RATE_LIMIT=0/60``, ``SOCKET_MEMBER_RATE_LIMIT=0/60``): the
   server before the budgets.

The ratio of the bystander's p99 ack time in a flood to the quiet p99 is the fact to read
(the machine is shared and noisy: a lone time is not). Also: how many of the flood's events
were refused, and whether the flooder was disconnected.
"""

import argparse
import os
import platform
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.discussion_latency import percentile, seed, start_server, stop_server

HEADING = "## Socket flood (`python -m benchmarks.socket_flood`)"
ROUNDS = 40
FLOOD = 2000


def measure(url: str, world: dict, *, flood: bool) -> dict:
    import socketio

    def client(token: str) -> socketio.Client:
        sio = socketio.Client(reconnection=False)
        sio.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=20)
        return sio

    bystander = client(world["tokens"][0])
    flooder = client(world["tokens"][1]) if flood else None
    answers = {"ok": 0, "refused": 0}
    lock = threading.Lock()

    def count(ack):
        with lock:
            answers["ok" if ack and ack.get("ok") else "refused"] += 1

    def fire():
        for _ in range(FLOOD):
            try:
                flooder.emit("session:join", {"deliberation": "bench"}, callback=count)
            except Exception:  # disconnected by the server: the flood is over
                break

    times = []
    try:
        if flood:
            threading.Thread(target=fire, daemon=True).start()
            time.sleep(0.2)
        for _ in range(ROUNDS):
            began = time.perf_counter()
            ack = bystander.call("session:join", {"deliberation": "bench"}, timeout=120)
            times.append(time.perf_counter() - began)
            assert ack["ok"], ack
            time.sleep(0.02)
        disconnected = bool(flood and not flooder.connected)
    finally:
        bystander.disconnect()
        if flooder is not None and flooder.connected:
            flooder.disconnect()
    return {
        "p50": percentile(times, 0.5),
        "p99": percentile(times, 0.99),
        "answered": answers["ok"],
        "refused": answers["refused"],
        "disconnected": disconnected,
    }


def run(budgets: bool, flood: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="cg-flood-") as tmp:
        database = Path(tmp) / "flood.db"
        world = seed(database, listeners=1)
        if not budgets:
            os.environ["SOCKET_RATE_LIMIT"] = "0/60"
            os.environ["SOCKET_MEMBER_RATE_LIMIT"] = "0/60"
        try:
            process, url = start_server(database, "gunicorn", Path(tmp) / "server.log")
            try:
                return measure(url, world, flood=flood)
            finally:
                stop_server(process, timeout=5)  # a flood's backlog may keep it busy
        finally:
            os.environ.pop("SOCKET_RATE_LIMIT", None)
            os.environ.pop("SOCKET_MEMBER_RATE_LIMIT", None)


def report(results: dict) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f} ms"

    quiet = results["quiet"]
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        "`gunicorn -k gevent -w 1`, SQLite. A bystander's 40 `session:join` acks, one after "
        f"another, while a flooder fires {FLOOD:,} `session:join` events without waiting.",
        "",
        "| run | bystander ack p50 | p99 | p99 / quiet p99 | flood answered | refused "
        "| flooder disconnected |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in (
        ("quiet", "quiet (baseline)"),
        ("budgets", "flood, event budgets on (default)"),
        ("no_budgets", "flood, budgets off (before)"),
    ):
        result = results[name]
        lines.append(
            f"| {label} | {ms(result['p50'])} | {ms(result['p99'])} "
            f"| {result['p99'] / quiet['p99']:.1f}× | {result['answered']} "
            f"| {result['refused']} | {'yes' if result['disconnected'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="write BENCHMARKS.md")
    args = parser.parse_args()
    results = {}
    for name, budgets, flood in (
        ("quiet", True, False),
        ("budgets", True, True),
        ("no_budgets", False, True),
    ):
        results[name] = run(budgets=budgets, flood=flood)
        print(name, results[name], flush=True)
    text = report(results)
    print(text)
    if args.record:
        from benchmarks.report import write_section

        write_section(text)


if __name__ == "__main__":
    main()
