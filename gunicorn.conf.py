"""How gunicorn serves Common Ground: it reads this file from the working directory by
default, so ``gunicorn app:app`` is the production command (README, *Running at scale*).

One gevent worker per process: Socket.IO keeps each connection's state in the process that
accepted it, so a deployment scales by adding processes (behind Redis and a load balancer
with sticky sessions), not workers. Settings from the environment, each with a default:

- ``BIND`` (default ``HOST:PORT``, i.e. ``127.0.0.1:5000`` as ``python app.py``);
- ``WORKER_CONNECTIONS`` (default 4000): the most sockets one process holds at once;
  gevent's own default of 1,000 makes the 1,001st connection wait, unanswered;
- ``GUNICORN_TIMEOUT`` (default 30 s): a worker that does not report alive this long is
  restarted.

Each connection is one file descriptor: at start the process raises its soft open-files
limit (``ulimit -n``) to what ``WORKER_CONNECTIONS`` needs, within the hard limit, and says
so when the hard limit is too low.
"""

import gc
import os
import resource

worker_class = "gevent"
workers = 1
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "4000"))
_host, _port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
bind = os.environ.get("BIND") or f"{_host}:{_port}"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# Several processes run side by side on one machine: one shared control socket path
# (gunicorn's default) would be claimed by each in turn.
control_socket_disable = True

#: File descriptors the process needs beside its sockets (database, Redis, logs, imports).
SPARE_FILES = 256


def on_starting(server) -> None:
    """Raise the soft open-files limit so that ``worker_connections`` sockets fit."""
    needed = server.cfg.worker_connections + SPARE_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        server.log.warning(
            "open-files limit %s is below the %s that %s connections need: raise the hard "
            "limit (ulimit -Hn, LimitNOFILE= in a systemd unit) or lower WORKER_CONNECTIONS",
            soft,
            needed,
            server.cfg.worker_connections,
        )
    server.log.info("open-files limit %s for %s connections", soft, server.cfg.worker_connections)


#: The garbage collector's thresholds in a worker: a young generation of 20,000 objects
#: instead of Python's 700 (the rest as Python has them, 10 and 10, made 20 and 20).
GC_THRESHOLDS = (20_000, 20, 20)


def post_worker_init(worker) -> None:
    """Make the garbage collector's work fit a server's: every socket event allocates
    thousands of short-lived objects (ORM rows, packets, contexts), and the collector ran
    every 700 allocations and walked, at each full collection, everything the loaded
    application holds for good (modules, mappers, compiled templates and statements).
    ``gc.freeze()`` takes all of that out of its reach, and a young generation nearly
    thirty times larger lets most events end before a collection starts. Cyclic garbage
    is still collected, a little later. Measured: about a third less worker CPU per socket ballot
    (0.52 → 0.41 ms with the freeze, → 0.34 ms with the thresholds; BENCHMARKS.md)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
