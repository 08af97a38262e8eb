"""Live discussion benchmark: how fast a post reaches everyone in the room, and what a
thread page costs.

    python benchmarks/discussion_latency.py                 # print the results
    python benchmarks/discussion_latency.py --write BENCHMARKS.md

1. Delivery latency. A real server process (``gunicorn -k gevent -w 1``, the documented
   production command; ``--server threading`` for the embedded ``python app.py`` server)
   on a throw-away SQLite file. N python-socketio clients (websocket transport) join one
   agenda item; one more client posts, one post at a time. For each post and each
   listener: time from just before the ``post`` event is sent to the moment the listener's
   ``post:new`` handler runs — server work (authorise, insert, commit, emit) and fan-out
   included. All clients run in this one Python process, so their own processing is in
   the figures too (an upper bound of what browsers see).
2. Thread page. The item page and ``GET /api/v1/items/<id>/posts`` rendered in-process
   with 10 and 1,000 posts: SQL statements per request and median time.

``--write FILE`` replaces (or appends) the "Live discussion" section of FILE.
"""

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# --- the world ------------------------------------------------------------------------------


def seed(database: Path | str, listeners: int) -> dict:
    """A deliberation with an open item, ``listeners + 1`` delegates and their tokens, in
    the SQLite file ``database`` (or at the database URL ``database``)."""
    from commonground import create_app
    from commonground.accounts.auth import new_secret_token, new_session_nonce
    from commonground.accounts.models import ApiToken, User
    from commonground.db import db
    from commonground.deliberations.models import (
        AgendaItem,
        Deliberation,
        Membership,
        StakeholderGroup,
    )

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": (
                database if isinstance(database, str) else f"sqlite:///{database}"
            ),
            "SECRET_KEY": "benchmark",
            "AUTO_MIGRATE": True,
        }
    )
    tokens = []
    with app.app_context():
        deliberation = Deliberation(
            slug="bench", title="Benchmark", status="open", languages=["en"]
        )
        db.session.add(deliberation)
        groups = [
            StakeholderGroup(
                deliberation=deliberation, key=f"group{n}", name=f"Group {n}", position=n
            )
            for n in range(6)
        ]
        item = AgendaItem(deliberation=deliberation, position=1, title="Latency", status="open")
        db.session.add_all([*groups, item])
        db.session.flush()
        for n in range(listeners + 1):
            user = User(
                email=f"delegate{n}@bench.local",
                name=f"Delegate {n}",
                session_nonce=new_session_nonce(),
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                Membership(
                    user_id=user.id,
                    deliberation=deliberation,
                    role="delegate",
                    group=groups[n % len(groups)],
                )
            )
            token, digest = new_secret_token()
            db.session.add(
                ApiToken(user_id=user.id, name="bench", token_hash=digest, prefix=token[:10])
            )
            tokens.append(token)
        db.session.commit()
        item_id = item.id
        db.session.remove()
        db.engine.dispose()
    return {"item": item_id, "tokens": tokens}


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database: Path, kind: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "benchmark",
        "AUTO_MIGRATE": "0",
        "DEMO": "0",
        "POST_RATE_LIMIT": "0/60",  # the benchmark posts faster than any delegate may
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if kind == "gunicorn":
        command = [str(gunicorn), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}", "app:app"]
    else:
        command = [sys.executable, "app.py"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(url, process, log=log, timeout=60)
    return process, url


def wait_until_serving(
    url: str, process: subprocess.Popen, *, probe: str = "/healthz", log=None, timeout=90
) -> None:
    """Wait until ``url + probe`` answers 200: a server the benchmark started is ready. Ends
    the benchmark (with the end of ``log``) when the process exits or time runs out."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-3000:] if log is not None else ""
            raise SystemExit(f"server exited with {process.returncode}\n{tail}")
        try:
            if requests.get(url + probe, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"{url} did not start")


def stop_server(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a server the benchmark started: asked to end, killed after ``timeout`` seconds
    (a server still working through a backlog of events)."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- delivery latency -----------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure_delivery(url: str, world: dict, listeners: int, posts: int) -> dict:
    """Post ``posts`` times; the latency of every post to every listener."""
    import socketio

    sent: dict[str, float] = {}
    arrivals: dict[str, list[float]] = {}
    lock = threading.Lock()
    all_arrived: dict[str, threading.Event] = {}

    def listener_client(token: str):
        client = socketio.Client(reconnection=False)

        @client.on("post:new")
        def on_post(post):
            now = time.perf_counter()
            key = post["body"]
            with lock:
                times = arrivals.setdefault(key, [])
                times.append(now)
                if len(times) == listeners and key in all_arrived:
                    all_arrived[key].set()

        client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=20)
        ack = client.call("join", {"item": world["item"]}, timeout=20)
        assert ack["ok"], ack
        return client

    began = time.perf_counter()
    clients = [listener_client(token) for token in world["tokens"][1 : listeners + 1]]
    connect_seconds = time.perf_counter() - began
    poster = socketio.Client(reconnection=False)
    poster.connect(url, auth={"token": world["tokens"][0]}, transports=["websocket"])

    latencies, acks, lost = [], [], 0
    try:
        for n in range(posts + 3):  # the first three warm the server up and are not counted
            key = f"latency probe {n}"
            all_arrived[key] = threading.Event()
            sent[key] = time.perf_counter()
            ack = poster.call("post", {"item": world["item"], "body": key}, timeout=30)
            acks_at = time.perf_counter()
            assert ack["ok"], ack
            if not all_arrived[key].wait(timeout=30):
                lost += 1
            if n < 3:
                continue
            acks.append(acks_at - sent[key])
            with lock:
                latencies.extend(t - sent[key] for t in arrivals.get(key, []))
            time.sleep(0.05)
    finally:
        poster.disconnect()
        for client in clients:
            client.eio.disconnect(abort=True)
    return {
        "listeners": listeners,
        "posts": posts,
        "deliveries": len(latencies),
        "lost": lost,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        "ack_p50": percentile(acks, 0.50),
        "connect_seconds": connect_seconds,
    }


# --- thread page cost -----------------------------------------------------------------------


def measure_thread_reads(database: Path, world: dict) -> list[dict]:
    """Statements and time of the item page and the posts API at 10 and 1,000 posts."""
    import sqlalchemy as sa

    from commonground import create_app
    from commonground.accounts.models import User
    from commonground.db import db, utcnow
    from commonground.deliberations.models import AgendaItem, Membership
    from commonground.discussion.models import Post
    from commonground.discussion.rules import child_path

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "benchmark"}
    )
    statements: list[str] = []
    results = []
    with app.app_context():
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
        )
        item = db.session.get(AgendaItem, world["item"])
        slug = item.deliberation.slug
        user = db.session.scalar(sa.select(User).order_by(User.id))
        author = db.session.scalar(sa.select(Membership.id).where(Membership.user_id == user.id))
        user_id = user.get_id()
        db.session.commit()

        for size in (10, 1000):
            db.session.execute(sa.delete(Post).where(Post.item_id == item.id))
            paths: dict[int, str] = {}
            rows = []
            for n in range(1, size + 1):
                post_id = 1_000_000 + n
                parent = (post_id - 1 - (n % 7)) if n > 7 and n % 3 else None
                paths[post_id] = child_path(paths.get(parent) if parent else None, post_id)
                rows.append(
                    {
                        "id": post_id,
                        "item_id": item.id,
                        "author_id": author,
                        "parent_id": parent,
                        "path": paths[post_id],
                        "body": f"Post **{n}** with a [link](https://example.org/{n}).",
                        "language": "en",
                        "created_at": utcnow(),
                        "hidden": False,
                        "floor_intervention": False,
                    }
                )
            db.session.execute(sa.insert(Post), rows)
            db.session.commit()

            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = user_id
                session["_fresh"] = True
            headers = {"Authorization": f"Bearer {world['tokens'][0]}"}
            for label, url, kwargs in (
                ("item page", f"/d/{slug}/items/{item.id}", {}),
                ("posts API", f"/api/v1/items/{item.id}/posts", {"headers": headers}),
            ):
                client.get(url, **kwargs)  # warm up
                timings = []
                for _ in range(10):
                    statements.clear()
                    began = time.perf_counter()
                    response = client.get(url, **kwargs)
                    timings.append(time.perf_counter() - began)
                    assert response.status_code == 200, response.status
                results.append(
                    {
                        "what": label,
                        "posts": size,
                        "statements": len(statements),
                        "median": statistics.median(timings),
                        "bytes": len(response.data),
                    }
                )
        db.session.remove()
        db.engine.dispose()
    return results


# --- report ---------------------------------------------------------------------------------


def report(server: str, delivery: list[dict], reads: list[dict]) -> str:
    ms = lambda seconds: f"{seconds * 1000:.1f} ms"  # noqa: E731
    lines = [
        "## Live discussion (`python benchmarks/discussion_latency.py`)",
        "",
        f"- Machine: {os.cpu_count()} cores ({platform.machine()}), {platform.system()}, "
        f"Python {platform.python_version()}; run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        "Other work on the machine adds noise.",
        f"- Server: one process, `{server_command(server)}`, SQLite (WAL) in a temporary "
        "folder, no message queue; the posting rate limit switched off.",
        "- Delivery latency: from just before a client sends `post` to the moment each "
        "listener's `post:new` handler runs (server authorises, inserts, commits, emits; "
        "Engine.IO fans out over websockets). One post at a time; every client runs in the "
        "benchmark's single Python process, so their own processing is included.",
        "- Thread reads: in-process (no network), signed-in delegate; SQL statements counted "
        "with a `before_cursor_execute` listener; median of 10 requests.",
        "",
        "| listeners | posts | deliveries | p50 | p99 | max | poster's ack p50 | lost |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in delivery:
        lines.append(
            f"| {row['listeners']} | {row['posts']} | {row['deliveries']:,} | {ms(row['p50'])} "
            f"| {ms(row['p99'])} | {ms(row['max'])} | {ms(row['ack_p50'])} | {row['lost']} |"
        )
    lines += [
        "",
        "| thread read | posts | SQL statements | median | response size |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in reads:
        lines.append(
            f"| {row['what']} | {row['posts']:,} | {row['statements']} | {ms(row['median'])} "
            f"| {row['bytes']:,} B |"
        )
    return "\n".join(lines) + "\n"


def server_command(kind: str) -> str:
    return "gunicorn -k gevent -w 1 app:app" if kind == "gunicorn" else "python app.py"


def main() -> None:
    import logging

    # Closing 200 clients at once makes Engine.IO log each abort; they are not results.
    logging.getLogger("engineio.client").setLevel(logging.ERROR)
    logging.getLogger("socketio.client").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listeners", default="2,200", help="comma-separated room sizes")
    parser.add_argument("--posts", type=int, default=50, help="posts per room size")
    parser.add_argument("--server", choices=("gunicorn", "threading"), default="gunicorn")
    parser.add_argument("--write", type=Path, help="put the results section in this file")
    args = parser.parse_args()
    if args.server == "gunicorn" and not Path(sys.executable).with_name("gunicorn").exists():
        args.server = "threading"
    sizes = [int(n) for n in args.listeners.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    try:
        database = workdir / "bench.db"
        world = seed(database, max(sizes))
        process, url = start_server(database, args.server, workdir / "server.log")
        try:
            delivery = []
            for size in sizes:
                result = measure_delivery(url, world, size, args.posts)
                print(
                    f"{size} listeners: p50 {result['p50'] * 1000:.1f} ms, "
                    f"p99 {result['p99'] * 1000:.1f} ms, lost {result['lost']}",
                    flush=True,
                )
                delivery.append(result)
        finally:
            process.terminate()
            process.wait(timeout=10)
        reads = measure_thread_reads(database, world)
        section = report(args.server, delivery, reads)
        print(section)
        if args.write:
            from benchmarks.report import write_section

            write_section(section, args.write)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
