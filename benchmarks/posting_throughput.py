"""Posting and balloting over sockets, against the bare python-socketio server (issue 15).

    python -m benchmarks.posting_throughput            # SQLite and PostgreSQL, print
    python -m benchmarks.posting_throughput --record   # and write BENCHMARKS.md
    python -m benchmarks.posting_throughput --only posting --database sqlite

Every server runs as the documented production command, ``gunicorn -k gevent -w 1``
(``--worker-connections 4000`` for both), started by this script and stopped at the end:
Common Ground on a throw-away SQLite file or a fresh PostgreSQL database, and the bare
python-socketio server of ``benchmarks/bare_socketio.py`` (no database, no rights,
no limits). The same python-socketio ``AsyncClient``s (websocket transport, one asyncio
process) drive both, one after the other in the same run; the figures to read are the ratios.

* posting: 20 posters × 50 listeners in one item. Each poster sends ``post`` after ``post``,
  waiting for each ack; the listeners have joined the item. Acked posts per second from the
  first send to the last ack, ack p50/p99, and lost deliveries (posts × listeners minus the
  ``post:new`` the listeners received).
* ballots: 1,000 voters connected at once, each casts one ``ballot`` on the same open motion
  (all at the same moment). Acked ballots per second, ack p50/p99.

For both, the worker's CPU time (user + system, from ``/proc``) during the measurement is
divided by the acked events: on a shared machine it varies far less than the rates.
* scale-out (PostgreSQL, ``--scaleout 1,2,4``): the posting case against 1, 2, 4 Common
  Ground processes (behind Redis when more than one; a fresh database each), listeners and
  posters spread evenly over the processes, so every post crosses Redis to reach most of its
  listeners. Acked posts/s and deliveries/s, ratios to one process of the same run.
* rounds (``--rounds``, 4 by default): posting and ballots are measured that many times,
  each on a new world, the bare server first in odd rounds and second in even ones (the
  second of two runs can measure slower for its place alone); a server's figures are the
  medians of its rounds (lost and refused: the sums).
* dawdler (SQLite): a client sends ``GET /healthz`` and posts through the API, one after
  another, and times each; once alone, once while another client has sent half of a
  ``POST …/posts`` body and waits. The ratio of the p99s is the fact to read.

Common Ground's rate limits stay on, set high enough for the load (posts, sockets), so their
cost is in the figures.
"""

import argparse
import asyncio
import functools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.discussion_latency import free_port, percentile, stop_server, wait_until_serving
from benchmarks.report import ROOT, write_section

HEADING = "## Posting and ballots over sockets (`python -m benchmarks.posting_throughput`)"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
POSTERS, LISTENERS, POSTS_EACH = 20, 50, 60
VOTERS = 1000
#: High enough never to refuse the benchmark's load, so the limits run but never bite.
REDIS_URL = "redis://127.0.0.1:6379/0"
LIMITS = {
    "POST_RATE_LIMIT": "100000/60",
    "SOCKET_RATE_LIMIT": "100000/10",
    "SOCKET_MEMBER_RATE_LIMIT": "100000/10",
    "JOIN_RATE_LIMIT": "100000/60",
}


# --- the world ------------------------------------------------------------------------------


def seed(url: str, delegates: int) -> dict:
    """A deliberation with an open item and an open motion; ``delegates`` delegates in six
    groups, every one with an API token and a vote on the motion."""
    import sqlalchemy as sa

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
    from commonground.voting import services

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark", "AUTO_MIGRATE": True}
    )
    with app.app_context():
        deliberation = Deliberation(
            slug="bench", title="Benchmark", status="open", scheme="groups", languages=["en"]
        )
        db.session.add(deliberation)
        groups = [
            StakeholderGroup(
                deliberation=deliberation, key=f"group{n}", name=f"Group {n}", position=n
            )
            for n in range(6)
        ]
        item = AgendaItem(deliberation=deliberation, position=1, title="Plenary", status="open")
        admin = User(email="admin@bench.local", name="Admin", is_admin=True, session_nonce="x")
        db.session.add_all([*groups, item, admin])
        db.session.flush()
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": f"d{n}@bench.local",
                    "name": f"Delegate {n}",
                    "session_nonce": new_session_nonce(),
                }
                for n in range(delegates)
            ],
        )
        users = db.session.scalars(
            sa.select(User.id).where(User.is_admin.is_(False)).order_by(User.id)
        ).all()
        db.session.execute(
            sa.insert(Membership),
            [
                {
                    "deliberation_id": deliberation.id,
                    "user_id": user_id,
                    "role": "delegate",
                    "group_id": groups[n % 6].id,
                    "weight": 1 + n % 3,
                }
                for n, user_id in enumerate(users)
            ],
        )
        tokens, rows = [], []
        for user_id in users:
            token, digest = new_secret_token()
            tokens.append(token)
            rows.append(
                {"user_id": user_id, "name": "bench", "token_hash": digest, "prefix": token[:10]}
            )
        db.session.execute(sa.insert(ApiToken), rows)
        db.session.commit()
        motion = services.create_motion(
            admin, item, text="Adopt the plan.", rule={"kind": "majority"}
        )
        services.open_motion(admin, motion)
        db.session.commit()
        world = {"item": item.id, "motion": motion.id, "tokens": tokens}
        db.session.remove()
        db.engine.dispose()
    return world


# --- servers --------------------------------------------------------------------------------


def start(target: str, env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """``gunicorn -k gevent -w 1`` serving ``target``; returns the process and its URL."""

    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-k", "gevent", "-w", "1", "--worker-connections", "4000"]
    command += ["-b", f"127.0.0.1:{port}", target]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    probe = "/healthz" if target == "app:app" else "/socket.io/?EIO=4&transport=polling"
    wait_until_serving(url, process, probe=probe, log=log)
    return process, url


def app_env(database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "benchmark",
        "AUTO_MIGRATE": "0",
        "DEMO": "0",
        **LIMITS,
    }
    env.pop("REDIS_URL", None)
    return env


# --- measurements ---------------------------------------------------------------------------


async def connect_all(url: str | list[str], tokens: list[str], handlers=None) -> list:
    """Connect one AsyncClient per token, 50 at a time; given several URLs (server
    processes), the clients go to them in turn."""
    import socketio

    urls = [url] if isinstance(url, str) else url
    clients = []

    async def one(n, token):
        client = socketio.AsyncClient(reconnection=False)
        for name, handler in (handlers or {}).items():
            client.on(name, handler)
        await client.connect(
            urls[n % len(urls)], auth={"token": token}, transports=["websocket"], wait_timeout=60
        )
        clients.append(client)

    for start_at in range(0, len(tokens), 50):
        batch = tokens[start_at : start_at + 50]
        await asyncio.gather(*(one(start_at + n, token) for n, token in enumerate(batch)))
    return clients


async def disconnect_all(clients) -> None:
    await asyncio.gather(*(client.disconnect() for client in clients), return_exceptions=True)


class Acks:
    """Times and refusals of acked events."""

    def __init__(self):
        self.latencies: list[float] = []
        self.refused = 0
        self.unanswered = 0

    async def call(self, client, event: str, data: dict):
        import socketio

        began = time.perf_counter()
        try:
            ack = await client.call(event, data, timeout=300)
        except socketio.exceptions.TimeoutError:
            self.unanswered += 1
            return
        self.latencies.append(time.perf_counter() - began)
        self.refused += not ack.get("ok")

    def figures(self, elapsed: float) -> dict:
        acked = len(self.latencies) - self.refused
        return {
            "acked": acked,
            "refused": self.refused + self.unanswered,
            "rate": acked / elapsed,
            "p50": percentile(self.latencies, 0.5),
            "p99": percentile(self.latencies, 0.99),
        }


def server_cpu(process: subprocess.Popen) -> float:
    """CPU seconds (user + system) used so far by the server's worker (gunicorn's only
    child): steadier than wall-clock figures on a shared machine."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return process_cpu(Path(f"/proc/{children[0]}/stat").read_text())


def process_cpu(stat: str) -> float:
    """CPU seconds (user + system) of a process, from the text of its ``/proc/<pid>/stat``."""
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: The parts of a run whose CPU ``cpu_by_part`` tells apart, by their processes' names.
PARTS_BY_NAME = {"postgres": "postgres", "redis-server": "redis"}


def cpu_by_part(servers: list[subprocess.Popen]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each part of a run: the servers' workers,
    the clients (this process), PostgreSQL's and Redis's processes, and the whole machine
    (every core's busy time, from ``/proc/stat``). Differences over a measurement, divided
    by its length, are the cores each part kept busy."""
    tick = os.sysconf("SC_CLK_TCK")
    parts = {
        "servers": sum(server_cpu(process) for process in servers),
        "clients": sum(os.times()[:2]),
        "postgres": 0.0,
        "redis": 0.0,
    }
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        part = PARTS_BY_NAME.get(text[text.index("(") + 1 : text.rindex(")")])
        if part is not None:
            parts[part] += process_cpu(text)
    # cpu  user nice system idle iowait irq softirq steal …: busy is all but idle and iowait.
    jiffies = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    parts["machine"] = (sum(jiffies) - jiffies[3] - jiffies[4]) / tick
    return parts


def cpu_per_event(figures: dict, cpu, cpu_began: float) -> dict:
    """``figures`` with the worker's CPU milliseconds per acked event of the measurement."""
    if cpu is None or not figures["acked"]:
        return figures
    return {**figures, "cpu_ms": (cpu() - cpu_began) * 1000 / figures["acked"]}


async def posting(url: str | list[str], world: dict, cpu=None, usage=None) -> dict:
    """The posting case; ``cpu()``: the server's CPU seconds so far (for CPU per post);
    ``usage()``: :func:`cpu_by_part` (for the cores each part kept busy)."""
    received = {"count": 0}

    def on_post(_data):
        received["count"] += 1

    tokens = world["tokens"]
    listeners = await connect_all(url, tokens[:LISTENERS], {"post:new": on_post})
    for listener in listeners:
        ack = await listener.call("join", {"item": world["item"]}, timeout=60)
        assert ack["ok"], ack
    posters = await connect_all(url, tokens[LISTENERS : LISTENERS + POSTERS])
    acks = Acks()
    body = "A statement of some length for the plenary, " * 8

    async def post_all(poster, n):
        for k in range(POSTS_EACH):
            text = f"{body} ({n}.{k})"
            await acks.call(poster, "post", {"item": world["item"], "body": text, "language": "en"})

    cpu_began = cpu() if cpu else 0.0
    used_began = usage() if usage else None
    began = time.perf_counter()
    await asyncio.gather(*(post_all(poster, n) for n, poster in enumerate(posters)))
    elapsed = time.perf_counter() - began
    figures = cpu_per_event(acks.figures(elapsed), cpu, cpu_began)
    if usage:
        used = usage()
        figures["cores"] = {part: (used[part] - used_began[part]) / elapsed for part in used}
    expected = figures["acked"] * LISTENERS
    deadline = time.monotonic() + 20
    while received["count"] < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await disconnect_all(listeners + posters)
    return {
        **figures,
        "lost": expected - received["count"],
        "deliveries_per_s": received["count"] / elapsed,
    }


async def balloting(url: str, world: dict, cpu=None) -> dict:
    voters = await connect_all(url, world["tokens"][:VOTERS])
    acks = Acks()
    motion = world["motion"]
    cpu_began = cpu() if cpu else 0.0
    began = time.perf_counter()
    await asyncio.gather(
        *(
            acks.call(voter, "ballot", {"motion": motion, "choice": ("yes", "no")[n % 2]})
            for n, voter in enumerate(voters)
        )
    )
    figures = cpu_per_event(acks.figures(time.perf_counter() - began), cpu, cpu_began)
    await disconnect_all(voters)
    return figures


def dawdling(url: str, world: dict, *, dawdler: bool, rounds: int = 60) -> dict:
    """Another client's request times, with or without a dawdler holding half a body."""
    import requests

    host, port = url.removeprefix("http://").split(":")
    held = None
    if dawdler:
        body = json.dumps({"body": "Late.", "language": "en"}).encode()
        held = socket.create_connection((host, int(port)), timeout=60)
        held.sendall(
            (
                f"POST /api/v1/items/{world['item']}/posts HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {world['tokens'][-1]}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body[: len(body) // 2]
        )
    session = requests.Session()
    headers = {"Authorization": f"Bearer {world['tokens'][-2]}"}
    times, failed = [], 0
    for n in range(rounds):
        began = time.perf_counter()
        if n % 2:
            answer = session.post(
                f"{url}/api/v1/items/{world['item']}/posts",
                json={"body": f"Meanwhile {n}.", "language": "en"},
                headers=headers,
                timeout=60,
            )
        else:
            answer = session.get(f"{url}/healthz", timeout=60)
        times.append(time.perf_counter() - began)
        failed += answer.status_code >= 400
    if held is not None:
        held.close()
    return {"p50": percentile(times, 0.5), "p99": percentile(times, 0.99), "failed": failed}


# --- runs -----------------------------------------------------------------------------------


def with_database(kind: str, workdir: Path):
    """A fresh database URL of ``kind`` and a function that drops it."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}", lambda: None
    import sqlalchemy as sa

    name = f"bench_posting_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(POSTGRES.format(name="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return POSTGRES.format(name=name), drop


def start_profiler(process: subprocess.Popen, output: Path) -> subprocess.Popen:
    """py-spy sampling the gunicorn worker (the master's only child), collapsed stacks."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    py_spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            children[0],
            "--format",
            "raw",
            "--rate",
            "1000",
            "-o",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def summarise_profile(collapsed: Path, top: int = 25) -> list[tuple[str, float]]:
    """The share of samples in which each function appears (inclusive), highest first."""
    totals: dict[str, int] = {}
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples += int(count)
        for frame in set(stack.split(";")):
            totals[frame] = totals.get(frame, 0) + int(count)
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return [(frame, count / samples) for frame, count in ranked]


#: Summed over the rounds; every other figure of a server is the median of its rounds.
SUMMED = ("acked", "refused", "lost")


def median_figures(rounds: list[dict]) -> dict:
    """One server's figures over its rounds: the median of each (robust to the bare
    server's rates, which jump between two levels from one run to the next), the sums of
    the counts."""
    return {
        key: sum(r[key] for r in rounds)
        if key in SUMMED
        else statistics.median(r[key] for r in rounds)
        for key in rounds[0]
    }


def run_case(
    case: str, kind: str, workdir: Path, profile: Path | None = None, rounds: int = 1
) -> dict:
    """Measure ``case`` on Common Ground (database ``kind``) and on the bare server, in
    ``rounds`` rounds — a new world each, the servers' order reversed in every other round
    (the second of two runs can measure slower for its place alone) — each server's figures
    the medians of its rounds."""
    figures: dict[str, list[dict]] = {}
    result = {"case": case, "database": kind, "rounds": rounds}
    for number in range(rounds):
        for server, measured in run_round(case, kind, workdir, profile, reverse=number % 2 == 1):
            print(
                json.dumps({"case": case, "database": kind, "round": number + 1, server: measured})
            )
            if server in ("alone", "dawdled"):
                result[server] = measured
            else:
                figures.setdefault(server, []).append(measured)
    result.update({server: median_figures(each) for server, each in figures.items()})
    return result


def run_round(
    case: str, kind: str, workdir: Path, profile: Path | None, *, reverse: bool
) -> list[tuple[str, dict]]:
    """One measurement of ``case`` on a new world: ``(server, figures)`` for each server."""
    delegates = VOTERS if case == "ballots" else LISTENERS + POSTERS + 2
    url, drop = with_database(kind, workdir)
    result = []
    try:
        world = seed(url, delegates)
        servers = [("app", "app:app", app_env(url))]
        if case != "dawdler":
            servers.insert(0, ("bare", "benchmarks.bare_socketio:app", {**os.environ}))
        for server, target, env in servers[::-1] if reverse else servers:
            process, server_url = start(target, env, workdir / f"{server}-{case}-{kind}.log")
            cpu = functools.partial(server_cpu, process)
            profiler = None
            if profile is not None and server == "app":
                profiler = start_profiler(process, profile / f"{case}-{kind}.txt")
                time.sleep(1)
            try:
                if case == "posting":
                    result.append((server, asyncio.run(posting(server_url, world, cpu))))
                elif case == "ballots":
                    result.append((server, asyncio.run(balloting(server_url, world, cpu))))
                elif server == "app":
                    result.append(("alone", dawdling(server_url, world, dawdler=False)))
                    result.append(("dawdled", dawdling(server_url, world, dawdler=True)))
            finally:
                if profiler is not None:
                    profiler.send_signal(2)
                    profiler.wait(timeout=30)
                stop_server(process)
    finally:
        drop()
    return result


def run_scaleout(processes: list[int], workdir: Path, profile: Path | None = None) -> dict:
    """The posting case on PostgreSQL against each number of Common Ground processes
    (``profile``: py-spy each process's worker into that folder)."""
    rows = []
    for count in processes:
        url, drop = with_database("postgres", workdir)
        try:
            world = seed(url, LISTENERS + POSTERS + 2)
            env = app_env(url)
            if count > 1:
                env["REDIS_URL"] = REDIS_URL
            started = [
                start("app:app", env, workdir / f"scaleout-{count}-{n}.log") for n in range(count)
            ]
            usage = functools.partial(cpu_by_part, [process for process, _ in started])
            profilers = [
                start_profiler(process, profile / f"scaleout-{count}-{n}.txt")
                for n, (process, _) in enumerate(started)
                if profile is not None
            ]
            try:
                figures = asyncio.run(posting([u for _, u in started], world, usage=usage))
            finally:
                for profiler in profilers:
                    profiler.send_signal(2)
                    profiler.wait(timeout=30)
                for process, _ in started:
                    stop_server(process)
            rows.append({"processes": count, **figures})
        finally:
            drop()
    return {"case": "scaleout", "database": "postgres", "rows": rows}


def scaleout_report(result: dict) -> list[str]:
    rows = result["rows"]
    base = rows[0]
    lines = [
        "",
        f"Scale-out on PostgreSQL ({POSTERS}×{LISTENERS} posting spread over the processes, "
        "behind Redis when more than one; ratios to the first row of the same run):",
        "",
        "| processes | acked posts/s | ratio | deliveries/s | ratio | ack p50 / p99 | lost "
        f"| cores busy of {os.cpu_count()}: machine (servers / clients / PostgreSQL / Redis) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        cores = row["cores"]
        lines.append(
            f"| {row['processes']} | {row['rate']:,.0f} | {row['rate'] / base['rate']:.2f}× "
            f"| {row['deliveries_per_s']:,.0f} "
            f"| {row['deliveries_per_s'] / base['deliveries_per_s']:.2f}× "
            f"| {ms(row['p50'])} / {ms(row['p99'])} | {row['lost']} "
            f"| {cores['machine']:.2f} ({cores['servers']:.2f} / {cores['clients']:.2f} / "
            f"{cores['postgres']:.2f} / {cores['redis']:.2f}) |"
        )
    lines += [
        "",
        "Cores busy: each part's CPU time during the posting, over its length; the machine's "
        "from `/proc/stat` (everything that ran, the benchmark's own clients included).",
    ]
    return lines


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def cpu_ms(figures: dict) -> str:
    return f"{figures['cpu_ms']:.2f} ms" if "cpu_ms" in figures else "—"


def report(results: list[dict]) -> str:
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}"
        f" ({os.cpu_count()} CPUs shared with other work, Python {platform.python_version()}).",
        "Servers: `gunicorn -k gevent -w 1 --worker-connections 4000`; clients: python-socketio "
        "AsyncClients over websocket in one process on the same machine. Method in the module "
        "docstring of `benchmarks/posting_throughput.py`. Posting and ballots: "
        f"{next((r['rounds'] for r in results if 'rounds' in r and r['case'] != 'dawdler'), 1)} "
        "rounds, a new world each, the servers' order reversed in every other round; each "
        "figure the median of a server's rounds (lost and refused: the sums).",
        "",
        "| case | database | Common Ground | bare python-socketio | ratio | CG ack p50 / p99 "
        "| bare ack p50 / p99 | p99 ratio | lost / refused or unanswered "
        "| worker CPU per event, CG / bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        if r["case"] in ("dawdler", "scaleout"):
            continue
        app, bare = r["app"], r["bare"]
        unit = "posts/s" if r["case"] == "posting" else "ballots/s"
        lost = f"{app.get('lost', 0)} / {app['refused']}"
        lines.append(
            f"| {r['case']} ({POSTERS}×{LISTENERS} posting, {POSTS_EACH} posts each)"
            if r["case"] == "posting"
            else f"| ballots ({VOTERS} voters)"
        )
        lines[-1] += (
            f" | {r['database']} | {app['rate']:,.0f} {unit} | {bare['rate']:,.0f} {unit}"
            f" | {app['rate'] / bare['rate']:.2f}× | {ms(app['p50'])} / {ms(app['p99'])}"
            f" | {ms(bare['p50'])} / {ms(bare['p99'])} | {app['p99'] / bare['p99']:.1f}×"
            f" | {lost} | {cpu_ms(app)} / {cpu_ms(bare)} |"
        )
    for r in results:
        if r["case"] == "dawdler":
            alone, dawdled = r["alone"], r["dawdled"]
            lines += [
                "",
                f"Dawdler ({r['database']}): another client's `GET /healthz` and "
                "`POST …/posts`, 60 in turn — alone: p50 "
                f"{ms(alone['p50'])}, p99 {ms(alone['p99'])}; while a client holds half a POST "
                f"body: p50 {ms(dawdled['p50'])}, p99 {ms(dawdled['p99'])} "
                f"(p99 ratio {dawdled['p99'] / alone['p99']:.1f}×), failed requests "
                f"{dawdled['failed']}. Before the fix every request waited 10 s for SQLite's "
                "busy timeout and failed.",
            ]
    for r in results:
        if r["case"] == "scaleout":
            lines += scaleout_report(r)
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", choices=["posting", "ballots", "dawdler", "scaleout"], action="append"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--record", action="store_true", help="write the section of BENCHMARKS.md")
    parser.add_argument(
        "--rounds", type=int, default=4, help="rounds of posting and ballots, order reversed"
    )
    parser.add_argument("--profile", type=Path, help="py-spy the app's worker into this folder")
    parser.add_argument(
        "--scaleout",
        default="1,2,4",
        help="numbers of processes for the PostgreSQL scale-out of posting ('' for none)",
    )
    args = parser.parse_args(argv)
    cases = args.only or ["posting", "ballots", "dawdler", "scaleout"]
    databases = args.database or ["sqlite", "postgres"]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            if case == "scaleout":
                if args.scaleout and "postgres" in databases:
                    processes = [int(n) for n in args.scaleout.split(",")]
                    results.append(run_scaleout(processes, Path(tmp), args.profile))
                    print(json.dumps(results[-1], default=str), flush=True)
                continue
            for kind in databases:
                if case == "dawdler" and kind != "sqlite":
                    continue
                rounds = 1 if case == "dawdler" else args.rounds
                results.append(run_case(case, kind, Path(tmp), args.profile, rounds))
                print(json.dumps(results[-1], default=str), flush=True)
    if args.profile:
        for collapsed in sorted(args.profile.glob("*.txt")):
            print(f"\n{collapsed.name}")
            for frame, share in summarise_profile(collapsed):
                print(f"{share:6.1%}  {frame}")
    section = report(results)
    print(section)
    if args.record:
        write_section(section)


if __name__ == "__main__":
    main()
