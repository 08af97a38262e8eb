"""Who is online in each agenda item (or live session), by stakeholder group — across
server processes, at a cost per join that does not grow with the room (DESIGN §5).

Each socket that joins records one entry ``{user, member, name, group, role}`` under its
sid, and the store keeps running counts beside the entries: sockets per user, distinct
users per group, and a version that every change increments. A join or a leave touches
those counts only, so answering a socket's own join costs the same in a room of 2,000 as
in a room of 2. With ``REDIS_URL`` entries and counts live in Redis (each change one Lua
script, atomic across processes); without it they live in this process. A user with
several tabs counts once.

The room hears of the counts through :class:`Announcer`: at most once per
``PRESENCE_INTERVAL`` seconds per room (across processes), and only when the version
changed since the last announcement — so a thousand joins cost the room a handful
of ``presence`` events, not a thousand lists of up to a thousand names. The list of names
is paged on request (:meth:`MemoryPresence.members`).

Known limit: a process killed without closing its sockets leaves their Redis entries
behind until the item's keys expire (``ENTRY_TTL`` after its last change).
"""

import json
import logging
import threading
import time
from collections import Counter

logger = logging.getLogger(__name__)

#: Presence keys disappear this long after their last change (bounds stale entries).
ENTRY_TTL = 6 * 3600

#: Most names one page of the member list carries.
MAX_PAGE_SIZE = 100


def page_of_members(entries: list[dict], page: int, per_page: int) -> dict:
    """One page of the distinct users among ``entries``, by name: ``{members, page, next}``.

    ``next`` is the following page's number, or None on the last page.
    """
    by_user: dict[int, dict] = {}
    for entry in entries:
        by_user.setdefault(entry["user"], entry)
    ordered = sorted(by_user.values(), key=lambda e: ((e.get("name") or "").lower(), e["user"]))
    start = (page - 1) * per_page
    chosen = ordered[start : start + per_page]
    return {
        "members": [{k: e.get(k) for k in ("member", "name", "group", "role")} for e in chosen],
        "page": page,
        "next": page + 1 if start + per_page < len(ordered) else None,
    }


def counts_body(online: int, by_group: dict) -> dict:
    """The counts part of a ``presence`` body: ``{online, by_group}`` (groups by key)."""
    return {"online": online, "by_group": dict(sorted((k, v) for k, v in by_group.items() if v))}


class MemoryPresence:
    """Presence of this process's sockets, with its running counts."""

    def __init__(self):
        self._items: dict[int, dict[str, dict]] = {}
        self._sockets_of_user: dict[int, Counter] = {}
        self._users_of_group: dict[int, Counter] = {}
        self._version: Counter = Counter()
        self._announced: dict[int, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def join(self, item_id: int, sid: str, entry: dict) -> dict:
        """Record the socket in the item; the item's counts ``{online, by_group}``."""
        with self._lock:
            sids = self._items.setdefault(item_id, {})
            if sid not in sids:
                sids[sid] = entry
                self._count(item_id, entry, +1)
            return self._counts(item_id)

    def leave(self, item_id: int, sid: str) -> bool:
        """Remove the socket from the item; whether it was there."""
        with self._lock:
            entry = self._items.get(item_id, {}).pop(sid, None)
            if entry is not None:
                self._count(item_id, entry, -1)
            return entry is not None

    def drop(self, sid: str) -> list[int]:
        """Remove the socket everywhere (it disconnected); the items it was in."""
        with self._lock:
            left = []
            for item_id, sids in self._items.items():
                if (entry := sids.pop(sid, None)) is not None:
                    self._count(item_id, entry, -1)
                    left.append(item_id)
            return left

    def counts(self, item_id: int) -> dict:
        """``{online, by_group}`` of the item, from the running counts."""
        with self._lock:
            return self._counts(item_id)

    def claim_announcement(self, item_id: int, interval: float) -> tuple[dict | None, float]:
        """``(counts, 0)`` if the item's counts changed since the last announcement (which
        this call then becomes); ``(None, 0)`` if they did not; ``(None, seconds)`` if the
        last announcement is younger than ``interval``: ask again in that many seconds."""
        with self._lock:
            version = self._version[item_id]
            announced, at = self._announced.get(item_id, (0, float("-inf")))
            if announced == version:
                return None, 0.0
            if (wait := at + interval - time.monotonic()) > 0:
                return None, wait
            self._announced[item_id] = (version, time.monotonic())
            return self._counts(item_id), 0.0

    def members(self, item_id: int, page: int, per_page: int) -> dict:
        """One page of who is online in the item (see :func:`page_of_members`)."""
        return page_of_members(self.entries(item_id), page, per_page)

    def entries(self, item_id: int) -> list[dict]:
        with self._lock:
            return list(self._items.get(item_id, {}).values())

    def sids_of_user(self, user_id: int) -> set[str]:
        with self._lock:
            return {
                sid
                for sids in self._items.values()
                for sid, entry in sids.items()
                if entry["user"] == user_id
            }

    def _count(self, item_id: int, entry: dict, step: int) -> None:
        users = self._sockets_of_user.setdefault(item_id, Counter())
        users[entry["user"]] += step
        first_or_last = users[entry["user"]] == (1 if step > 0 else 0)
        if first_or_last and entry.get("group"):
            # The user's first socket arrived or their last one left.
            self._users_of_group.setdefault(item_id, Counter())[entry["group"]] += step
        if users[entry["user"]] <= 0:
            del users[entry["user"]]
        self._version[item_id] += 1

    def _counts(self, item_id: int) -> dict:
        return counts_body(
            len(self._sockets_of_user.get(item_id, ())),
            self._users_of_group.get(item_id, {}),
        )


# KEYS: entries, sockets per user, users per group, version, the socket's items.
# ARGV: sid, entry (JSON), user, group ('' for none), item id, ttl.
_JOIN = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[3], 1) == 1 and ARGV[4] ~= '' then
    redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
  end
  redis.call('INCR', KEYS[4])
end
redis.call('SADD', KEYS[5], ARGV[5])
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
return {redis.call('HLEN', KEYS[2]), redis.call('HGETALL', KEYS[3])}
"""

# KEYS: entries, sockets per user, users per group, version, the socket's items.
# ARGV: sid, item id. Returns 1 when the socket was there.
_LEAVE = """
redis.call('SREM', KEYS[5], ARGV[2])
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local entry = cjson.decode(raw)
local user = string.format('%d', entry['user'])
if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
  redis.call('HDEL', KEYS[2], user)
  local group = entry['group']
  if type(group) == 'string' and group ~= '' then
    if redis.call('HINCRBY', KEYS[3], group, -1) <= 0 then redis.call('HDEL', KEYS[3], group) end
  end
end
redis.call('INCR', KEYS[4])
return 1
"""

# KEYS: sockets per user, users per group, version, last announced version, its time (ms).
# ARGV: ttl, interval (ms). Returns the counts when the version moved since the last
# announcement of any process and that is at least an interval old; else how many ms to
# wait (0: nothing to announce).
_CLAIM = """
local version = redis.call('GET', KEYS[3]) or '0'
if (redis.call('GET', KEYS[4]) or '0') == version then return 0 end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local wait = tonumber(redis.call('GET', KEYS[5]) or '0') + tonumber(ARGV[2]) - now
if wait > 0 then return wait end
redis.call('SET', KEYS[4], version, 'EX', ARGV[1])
redis.call('SET', KEYS[5], now, 'EX', ARGV[1])
return {redis.call('HLEN', KEYS[1]), redis.call('HGETALL', KEYS[2])}
"""


class RedisPresence:
    """Presence in Redis, per item: ``<prefix>presence:item:<id>`` maps sid → entry (JSON),
    ``…:users:<id>`` user → sockets, ``…:groups:<id>`` group → users, ``…:version:<id>``
    and ``…:announced:<id>``; ``<prefix>presence:sid:<sid>`` lists the items of a socket,
    for its disconnect."""

    def __init__(self, client, prefix: str):
        self._redis = client
        self._prefix = prefix
        self._join = client.register_script(_JOIN)
        self._leave = client.register_script(_LEAVE)
        self._claim = client.register_script(_CLAIM)

    def _item_key(self, item_id) -> str:
        return f"{self._prefix}presence:item:{item_id}"

    def _keys(self, item_id: int) -> list[str]:
        base = f"{self._prefix}presence:"
        return [
            self._item_key(item_id),
            f"{base}users:{item_id}",
            f"{base}groups:{item_id}",
            f"{base}version:{item_id}",
        ]

    def _sid_key(self, sid: str) -> str:
        return f"{self._prefix}presence:sid:{sid}"

    def join(self, item_id: int, sid: str, entry: dict) -> dict:
        """Record the socket in the item; the item's counts ``{online, by_group}``."""
        online, groups = self._join(
            keys=[*self._keys(item_id), self._sid_key(sid)],
            args=[
                sid,
                json.dumps(entry),
                entry["user"],
                entry.get("group") or "",
                item_id,
                ENTRY_TTL,
            ],
        )
        return _counts(online, groups)

    def leave(self, item_id: int, sid: str) -> bool:
        """Remove the socket from the item; whether it was there."""
        return bool(
            self._leave(keys=[*self._keys(item_id), self._sid_key(sid)], args=[sid, item_id])
        )

    def drop(self, sid: str) -> list[int]:
        """Remove the socket everywhere (it disconnected); the items it was in."""
        items = [int(i) for i in self._redis.smembers(self._sid_key(sid))]
        left = [item_id for item_id in items if self.leave(item_id, sid)]
        self._redis.delete(self._sid_key(sid))
        return left

    def counts(self, item_id: int) -> dict:
        """``{online, by_group}`` of the item, from the running counts."""
        _, users, groups, _ = self._keys(item_id)
        pipe = self._redis.pipeline(transaction=False)
        pipe.hlen(users)
        pipe.hgetall(groups)
        online, by_group = pipe.execute()
        return counts_body(online, {k: int(v) for k, v in by_group.items()})

    def claim_announcement(self, item_id: int, interval: float) -> tuple[dict | None, float]:
        """As :meth:`MemoryPresence.claim_announcement`, across every process: the last
        announcement and its time (Redis's clock) are shared."""
        _, users, groups, version = self._keys(item_id)
        announced = f"{self._prefix}presence:announced:{item_id}"
        result = self._claim(
            keys=[users, groups, version, announced, f"{announced}:at"],
            args=[ENTRY_TTL, int(interval * 1000)],
        )
        if isinstance(result, list):
            return _counts(*result), 0.0
        return None, int(result) / 1000

    def members(self, item_id: int, page: int, per_page: int) -> dict:
        """One page of who is online in the item (see :func:`page_of_members`)."""
        return page_of_members(self.entries(item_id), page, per_page)

    def entries(self, item_id: int) -> list[dict]:
        return [json.loads(v) for v in self._redis.hvals(self._item_key(item_id))]

    def sids_of_user(self, user_id: int) -> set[str]:
        sids = set()
        for key in self._redis.scan_iter(match=self._item_key("*"), count=500):
            for sid, value in self._redis.hgetall(key).items():
                if json.loads(value)["user"] == user_id:
                    sids.add(sid.decode() if isinstance(sid, bytes) else sid)
        return sids


def _counts(online, flat_groups) -> dict:
    """Counts from a Lua reply: HLEN and a flat HGETALL list."""
    pairs = zip(flat_groups[::2], flat_groups[1::2], strict=True)
    return counts_body(int(online), {_text(k): int(v) for k, v in pairs})


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Announcer:
    """Sends a room the presence counts of a key (item or deliberation) shortly after they
    change: read *after* the changes that asked for it, at most once per ``interval``
    seconds per key across every process, and not at all when another process already
    sent them."""

    def __init__(self, socketio):
        self._socketio = socketio
        self._due: set[tuple[int, str, int]] = set()
        self._lock = threading.Lock()

    def announce(self, store, key: int, event: str, room: str, head: dict, interval: float):
        """Have ``event`` ``{**head, online, by_group}`` sent to ``room`` within ``interval``."""
        due = (id(store), event, key)
        with self._lock:
            if due in self._due:
                return  # a send is scheduled and has not read the counts yet
            self._due.add(due)
        server = self._socketio.server
        self._socketio.start_background_task(
            self._send, server, store, due, event, room, head, interval
        )

    def _send(self, server, store, due, event, room, head, interval) -> None:
        self._socketio.sleep(interval)
        with self._lock:
            # From here on, a change schedules a send of its own.
            self._due.discard(due)
        try:
            counts, wait = store.claim_announcement(due[2], interval)
            while wait > 0:  # another process announced less than an interval ago
                self._socketio.sleep(wait)
                counts, wait = store.claim_announcement(due[2], interval)
            if counts is not None:
                server.emit(event, {**head, **counts}, to=room, namespace="/")
        except Exception:
            logger.exception("could not send %s to %s", event, room)
