"""Fan-out at the stack's ceiling (issue 15): 1,000 and 2,000 clients in one item of one
process, against a bare python-socketio server and a Node socket.io 4 server, in the same
run with the same clients.

    python -m benchmarks.fanout                      # print the results
    python -m benchmarks.fanout --record             # and write the section of BENCHMARKS.md
    python -m benchmarks.fanout --clients 200 --servers commonground,bare   # a quick look

Each server is started by the benchmark on a free port and stopped after its run:

- ``commonground``: ``gunicorn -c gunicorn.conf.py app:app`` (one gevent worker, the
  documented production command) on a throw-away SQLite file seeded with one deliberation,
  one open item and a delegate (with an API token) per client; defaults everywhere except
  ``POST_RATE_LIMIT`` off (one poster sends the burst);
- ``bare``: ``benchmarks/bare_socketio.py`` under the same gunicorn configuration;
- ``node``: ``benchmarks/node_fanout/server.js`` (socket.io 4), skipped when ``node`` or
  ``npm`` is missing (its package is installed into ``benchmarks/node_fanout`` on first use).

Clients: python-socketio ``AsyncClient``s over websocket, spread over ``--processes`` client
processes (one asyncio loop each; one Python process cannot keep 2,000 sockets busy on its
own). Every client connects (50 at a time per process) and sends ``join {item}``; *join
time* is from the first connect to the last join ack. Then a separate poster sends
``--posts`` posts of 729 bytes at once (a burst, acks awaited together); each listener
timestamps every ``post:new``. *Deliveries/s* = deliveries / (last delivery − first send);
*latency* = delivery time − that post's send time (one machine, one monotonic clock);
*lost* = posts × listeners − deliveries; *dropped* = sockets that disconnected or never
joined; *memory per connection* = (server RSS with every client joined − RSS before the
first connect) / clients.

Each room size runs ``--rounds`` rounds (2 by default), the servers in the given order in
odd rounds and in the reverse order in even ones (bare, Common Ground, Common Ground, bare):
on this machine whichever server runs second after another's 2,000 clients measures slower
(the same code swung from 0.61× to 1.12× the bare deliveries/s with the order alone), so a
single order favours the first. A server's figures are the means of its rounds (dropped and
lost: the sums).
"""

import argparse
import asyncio
import collections
import multiprocessing
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.discussion_latency import (
    free_port,
    percentile,
    seed,
    stop_server,
    wait_until_serving,
)
from benchmarks.report import ROOT, write_section

HEADING = "## Fan-out at the stack's ceiling (`python -m benchmarks.fanout`)"
NODE_DIR = ROOT / "benchmarks" / "node_fanout"
CONNECTS_AT_ONCE = 50
#: A listener that hears nothing new this long after the burst has heard all it will.
SETTLE = 15.0
BODY = ("Plenary statement " * 60)[:700]
REDIS_URL = "redis://127.0.0.1:6379/0"
#: The scale-out runs share one PostgreSQL server (several processes writing one SQLite file
#: wait on its lock without yielding to gevent: see BENCHMARKS.md).
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


def database_url(clients: int, workdir: Path, processes: int | None) -> str:
    """A new SQLite file in ``workdir`` (``processes`` None); a new PostgreSQL database for
    scale-out."""
    if processes is None:
        path = workdir / f"fanout-{clients}.db"
        path.unlink(missing_ok=True)  # a new world for every round
        return f"sqlite:///{path}"
    return f"{POSTGRES}/{postgres_database(f'cg_fanout_{clients}_{processes}', create=True)}"


def postgres_database(name: str, *, create: bool) -> str:
    """Create (or drop) the PostgreSQL database ``name``; its name."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            db.execute(f'CREATE DATABASE "{name}"')
    return name


# --- servers --------------------------------------------------------------------------------


def start(
    kind: str, clients: int, workdir: Path, processes: int = 1, scaleout: bool = False
) -> tuple[list[subprocess.Popen], list[str], dict]:
    """Start ``processes`` servers of ``kind`` (``scaleout``: Common Ground on PostgreSQL,
    behind Redis when more than one)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "platform")}
    env.pop("REDIS_URL", None)
    if processes > 1:
        env["REDIS_URL"] = REDIS_URL
    world = {"item": 1, "tokens": [None] * (clients + 1)}
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"]
    if kind == "commonground":
        database = database_url(clients, workdir, processes if scaleout else None)
        world = seed(database, clients)
        env.update(
            DATABASE_URL=database,
            SECRET_KEY="benchmark",
            AUTO_MIGRATE="0",
            DEMO="0",
            POST_RATE_LIMIT="0/60",
        )
        command = [*gunicorn, "app:app"]
    elif kind == "bare":
        command = [*gunicorn, "benchmarks.bare_socketio:app"]
    else:
        command = ["node", str(NODE_DIR / "server.js")]
    servers, urls = [], []
    for index in range(processes):
        port = free_port()
        log = (workdir / f"{kind}-{clients}-{index}.log").open("w")
        servers.append(
            subprocess.Popen(
                [*command, str(port)] if kind == "node" else command,
                cwd=ROOT,
                env={**env, "BIND": f"127.0.0.1:{port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    for url, server in zip(urls, servers, strict=True):
        wait_until_serving(url, server, probe="/socket.io/?EIO=4&transport=polling")
    return servers, urls, world


def serving_pid(process: subprocess.Popen) -> int:
    """The process that holds the sockets: gunicorn's worker, or node itself."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    pids = children.read_text().split() if children.exists() else []
    return int(pids[0]) if pids else process.pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def forget_redis_keys(database: str) -> None:
    """Remove what the run left in Redis (its presence and rate windows)."""
    import hashlib

    import redis

    digest = hashlib.sha256(database.encode()).hexdigest()[:12]
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"cg:{digest}:*", count=1000))
    for start_at in range(0, len(keys), 500):
        client.delete(*keys[start_at : start_at + 500])


def node_ready() -> bool:
    if not (shutil.which("node") and shutil.which("npm")):
        return False
    if not (NODE_DIR / "node_modules" / "socket.io").exists():
        installed = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True
        )
        return installed.returncode == 0
    return True


# --- clients (each client process) ----------------------------------------------------------


def client_process(url: str, item: int, tokens: list, posts: int, pipe) -> None:
    """Connect and join ``tokens`` clients, tell the parent, then listen to the burst."""
    asyncio.run(_clients(url, item, tokens, posts, pipe))


async def _clients(url, item, tokens, posts, pipe):
    import socketio

    loop = asyncio.get_running_loop()
    arrivals: list[tuple[int, float]] = []
    state = {"dropped": 0, "joined": 0, "presence": 0, "finished": False}
    reasons = collections.Counter()
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    marker = re.compile(r"^\[(\d+)\]")

    async def one(token):
        sio = socketio.AsyncClient(reconnection=False)

        @sio.on("post:new")
        async def on_post(data):
            arrivals.append((int(marker.match(data["body"]).group(1)), time.monotonic()))

        @sio.on("presence")
        async def on_presence(data):
            state["presence"] += 1

        @sio.event
        async def disconnect(reason=None):
            if not state["finished"]:
                state["dropped"] += 1
                reasons[str(reason)] += 1

        async with gate:
            try:
                await sio.connect(
                    url,
                    auth={"token": token} if token else None,
                    transports=["websocket"],
                    wait_timeout=120,
                )
            except Exception:
                state["dropped"] += 1
                return sio
        try:
            ack = await sio.call("join", {"item": item}, timeout=600)
            if ack and ack.get("ok"):
                state["joined"] += 1
        except Exception:
            pass
        return sio

    await loop.run_in_executor(None, pipe.recv)  # "join"
    clients = await asyncio.gather(*(one(token) for token in tokens))
    pipe.send(("joined", time.monotonic(), state["joined"]))
    await loop.run_in_executor(None, pipe.recv)  # "listen": the burst is on its way
    expected = posts * len(tokens)
    last, seen = time.monotonic(), 0
    while len(arrivals) < expected and time.monotonic() - last < SETTLE:
        await asyncio.sleep(0.2)
        if len(arrivals) != seen:
            last, seen = time.monotonic(), len(arrivals)
    state["finished"] = True
    pipe.send(("done", arrivals, state["dropped"], state["presence"], dict(reasons)))
    await asyncio.gather(*(c.disconnect() for c in clients if c.connected))


async def burst(url: str, item: int, token, posts: int) -> dict[int, float]:
    """The poster: ``posts`` posts sent at once; the send time of each."""
    import socketio

    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(url, auth={"token": token} if token else None, transports=["websocket"])
    await sio.call("join", {"item": item}, timeout=600)
    sent = {}

    async def post(n):
        sent[n] = time.monotonic()
        body = f"[{n}] {BODY}"[:729]
        ack = await sio.call("post", {"item": item, "body": body}, timeout=600)
        assert ack and ack.get("ok"), ack

    await asyncio.gather(*(post(n) for n in range(posts)))
    await sio.disconnect()
    return sent


# --- one run ---------------------------------------------------------------------------------


def run(
    kind: str,
    clients: int,
    posts: int,
    processes: int,
    workdir: Path,
    profile=None,
    servers: int = 1,
    scaleout: bool = False,
) -> dict:
    """One server kind, ``clients`` listeners; ``servers`` > 1: that many Common Ground
    processes behind Redis, the clients spread over them, the poster on the first."""
    started, urls, world = start(kind, clients, workdir, servers, scaleout)
    profiler = None
    try:
        pids = [serving_pid(server) for server in started]
        if profile and kind != "node":
            # py-spy samples the serving process from outside (collapsed stacks, one a line).
            out = Path(profile) / f"{kind}-{clients}.txt"
            profiler = subprocess.Popen(
                ["py-spy", "record", "-p", str(pids[0]), "-f", "raw", "-o", str(out), "-r", "200"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        time.sleep(1)
        rss_before = sum(rss_bytes(pid) for pid in pids)
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        poster_token, tokens = world["tokens"][0], world["tokens"][1 : clients + 1]
        share = [tokens[n::processes] for n in range(processes)]
        pipes, workers = [], []
        for index, part in enumerate(share):
            mine, theirs = multiprocessing.Pipe()
            url = urls[index % len(urls)]
            worker = multiprocessing.Process(
                target=client_process, args=(url, world["item"], part, posts, theirs)
            )
            worker.start()
            pipes.append(mine)
            workers.append(worker)
        began = time.monotonic()
        for pipe in pipes:
            pipe.send("join")
        joined = [pipe.recv() for pipe in pipes]
        join_seconds = max(j[1] for j in joined) - began
        time.sleep(1)
        rss_after = sum(rss_bytes(pid) for pid in pids)
        cpu_joined = sum(cpu_seconds(pid) for pid in pids)
        for pipe in pipes:
            pipe.send("listen")
        sent = asyncio.run(burst(urls[0], world["item"], poster_token, posts))
        done = [pipe.recv() for pipe in pipes]
        cpu_burst = sum(cpu_seconds(pid) for pid in pids) - cpu_joined
        for worker in workers:
            worker.join(timeout=60)
    finally:
        if profiler is not None:
            profiler.send_signal(2)  # py-spy writes its file on SIGINT
            profiler.wait(timeout=60)
        for server in started:
            stop_server(server)
        if scaleout:
            forget_redis_keys(f"{POSTGRES}/cg_fanout_{clients}_{servers}")
            postgres_database(f"cg_fanout_{clients}_{servers}", create=False)
    arrivals = [a for d in done for a in d[1]]
    latencies = [at - sent[n] for n, at in arrivals]
    first_send = min(sent.values())
    span = max(at for _, at in arrivals) - first_send if arrivals else float("nan")
    return {
        "server": (
            f"{kind} ×{servers} (PostgreSQL{' + Redis' if servers > 1 else ''})"
            if scaleout
            else kind
        ),
        "processes": servers,
        "clients": clients,
        "joined": sum(j[2] for j in joined),
        "dropped": sum(d[2] for d in done) + clients - sum(j[2] for j in joined),
        "lost": posts * clients - len(arrivals),
        "deliveries": len(arrivals),
        "join_s": join_seconds,
        "per_s": len(arrivals) / span if arrivals else 0.0,
        "p50": percentile(latencies, 0.5) if latencies else float("nan"),
        "p99": percentile(latencies, 0.99) if latencies else float("nan"),
        "memory_per_connection": max(0, rss_after - rss_before) / clients,
        "cpu_per_join_ms": (cpu_joined - cpu_before) / clients * 1000,
        "cpu_per_delivery_us": cpu_burst / max(1, len(arrivals)) * 1e6,
        "presence_events": sum(d[3] for d in done),
        "drop_reasons": dict(sum((collections.Counter(d[4]) for d in done), collections.Counter())),
    }


# --- report ----------------------------------------------------------------------------------


#: Counted over every round; every other figure of a server is the mean of its rounds.
SUMMED = ("joined", "dropped", "lost", "deliveries", "presence_events")


def combine(rounds: list[dict]) -> dict:
    """One server's figures over its rounds at one room size."""
    combined = dict(rounds[0])
    for key, value in rounds[0].items():
        if key in SUMMED:
            combined[key] = sum(r[key] for r in rounds)
        elif isinstance(value, float):
            combined[key] = sum(r[key] for r in rounds) / len(rounds)
    combined["drop_reasons"] = dict(
        sum((collections.Counter(r["drop_reasons"]) for r in rounds), collections.Counter())
    )
    combined["rounds"] = len(rounds)
    return combined


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "—"


def report(results: list[dict], posts: int, processes: int, skipped: str) -> str:
    lines = [
        HEADING,
        "",
        "### Method",
        "",
        f"- Machine: {os.cpu_count()} cores ({platform.machine()}), {platform.system()}, "
        f"Python {platform.python_version()}; run on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. The servers and the clients "
        "share the machine's cores (and the machine is shared): compare the ratios of one "
        "run, not lone figures.",
        "- Servers, one at a time, each started by the benchmark: Common Ground "
        "(`gunicorn -c gunicorn.conf.py app:app`, one gevent worker, SQLite), the bare "
        "python-socketio server `benchmarks/bare_socketio.py` (same gunicorn configuration) "
        f"and Node socket.io 4 (`benchmarks/node_fanout/server.js`){skipped}; "
        f"{results[0].get('rounds', 1)} round(s) per room size, the order of the servers "
        "reversed in every other round, each server's figures the means of its rounds "
        "(dropped, lost and presence events: the sums).",
        f"- Load: N python-socketio AsyncClients over websocket in {processes} client "
        f"processes join one item; then one poster sends a burst of {posts} posts of 729 "
        "bytes; every listener receives every post (N × posts deliveries). See the "
        "docstring of `benchmarks/fanout.py` for each measure.",
        "",
        "### Results",
        "",
        "| clients | server | dropped | lost | join time | deliveries/s | p50 | p99 "
        "| memory/connection | server CPU per join | server CPU per delivery | presence events |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['clients']:,} | {r['server']} | {r['dropped']} | {r['lost']} "
            f"| {r['join_s']:.1f} s | {r['per_s']:,.0f} | {r['p50'] * 1000:.0f} ms "
            f"| {r['p99'] * 1000:.0f} ms | {r['memory_per_connection'] / 1024:.1f} KiB "
            f"| {r['cpu_per_join_ms']:.2f} ms | {r['cpu_per_delivery_us']:.0f} µs "
            f"| {r['presence_events']:,} |"
        )
    lines += [
        "",
        "Ratios to the bare python-socketio server of the same run (targets: join ≤ 3×, "
        "deliveries/s ≥ 0.8×, p99 ≤ 1.5×, memory/connection ≤ 1.5×; 0 dropped, 0 lost):",
        "",
        "| clients | server | join time | deliveries/s | p99 | memory/connection "
        "| CPU per join | CPU per delivery |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        base = next(
            (b for b in results if b["server"] == "bare" and b["clients"] == r["clients"]), None
        )
        if base is None or r is base:
            continue
        lines.append(
            f"| {r['clients']:,} | {r['server']} | {ratio(r['join_s'], base['join_s'])} "
            f"| {ratio(r['per_s'], base['per_s'])} | {ratio(r['p99'], base['p99'])} "
            f"| {ratio(r['memory_per_connection'], base['memory_per_connection'])} "
            f"| {ratio(r['cpu_per_join_ms'], base['cpu_per_join_ms'])} "
            f"| {ratio(r['cpu_per_delivery_us'], base['cpu_per_delivery_us'])} |"
        )
    scaled = [r for r in results if "PostgreSQL" in r["server"]]
    if scaled:
        lines += [
            "",
            "Scale-out: Common Ground on PostgreSQL, the clients spread evenly over the "
            "processes (the poster on the first), behind Redis when more than one; ratios to "
            "one process of the same run (target: two processes ≥ 1.7× on deliveries/s):",
            "",
            "| clients | processes | deliveries/s | ratio | join time | p99 | dropped | lost |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in scaled:
            base = next(
                (b for b in scaled if b["processes"] == 1 and b["clients"] == r["clients"]), None
            )
            lines.append(
                f"| {r['clients']:,} | {r['processes']} | {r['per_s']:,.0f} "
                f"| {ratio(r['per_s'], base['per_s']) if base else '—'} | {r['join_s']:.1f} s "
                f"| {r['p99'] * 1000:.0f} ms | {r['dropped']} | {r['lost']} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1000,2000", help="comma-separated room sizes")
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--servers", default="bare,commonground,node")
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds per room size, the order reversed in each"
    )
    parser.add_argument("--record", action="store_true", help="write BENCHMARKS.md")
    parser.add_argument("--profile", help="folder for py-spy profiles of the Python servers")
    parser.add_argument(
        "--scaleout",
        default="",
        help="comma-separated process counts (e.g. 1,2,4): Common Ground on PostgreSQL, "
        "behind Redis when more than one",
    )
    args = parser.parse_args(argv)
    servers = args.servers.split(",")
    skipped = ""
    if "node" in servers and not node_ready():
        servers.remove("node")
        skipped = " — skipped: node/npm not found"
    results = []
    with tempfile.TemporaryDirectory(prefix="cg-fanout-") as tmp:
        sizes = [int(c) for c in args.clients.split(",")]
        for clients in sizes:
            rounds: dict[str, list[dict]] = {kind: [] for kind in servers}
            for number in range(args.rounds):
                for kind in servers if number % 2 == 0 else servers[::-1]:
                    print(f"{kind} with {clients} clients, round {number + 1}…", flush=True)
                    result = run(kind, clients, args.posts, args.processes, Path(tmp), args.profile)
                    print(result, flush=True)
                    rounds[kind].append(result)
            results += [combine(rounds[kind]) for kind in servers]
            # Scale-out at the first room size only: it is the ratio that matters.
            for count in [int(c) for c in args.scaleout.split(",") if c and clients == sizes[0]]:
                print(f"commonground ×{count} with {clients} clients…", flush=True)
                result = run(
                    "commonground",
                    clients,
                    args.posts,
                    args.processes,
                    Path(tmp),
                    servers=count,
                    scaleout=True,
                )
                print(result, flush=True)
                results.append(result)
    text = report(results, args.posts, args.processes, skipped)
    print(text)
    if args.record:
        write_section(text)


if __name__ == "__main__":
    main()
