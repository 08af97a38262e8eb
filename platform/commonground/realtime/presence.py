"""Who is online in each agenda item, by stakeholder group — across server processes.

Each socket that joins an item records one entry ``{user, member, name, group, role}``
under its sid. With ``REDIS_URL`` the entries live in Redis hashes, so every process sees
the sockets of every other; without it they live in this process. A user with several
tabs counts once.

Known limit: a process killed without closing its sockets leaves their Redis entries
behind until the item's hash expires (``ENTRY_TTL`` after its last change).
"""

import json
import threading
from collections import Counter

#: Presence hashes disappear this long after their last change (bounds stale entries).
ENTRY_TTL = 6 * 3600


def summarise(entries: list[dict]) -> dict:
    """The ``presence`` event body: distinct users online, counts by group key, the list.

    Members without a stakeholder group (moderators, observers, admins) appear in
    ``members`` but in no ``by_group`` count.
    """
    by_user: dict[int, dict] = {}
    for entry in entries:
        by_user.setdefault(entry["user"], entry)
    members = sorted(by_user.values(), key=lambda e: (e.get("name") or "").lower())
    by_group = Counter(e["group"] for e in members if e.get("group"))
    return {
        "online": len(members),
        "by_group": dict(sorted(by_group.items())),
        "members": [{k: e.get(k) for k in ("member", "name", "group", "role")} for e in members],
    }


class MemoryPresence:
    """Presence of this process's sockets."""

    def __init__(self):
        self._items: dict[int, dict[str, dict]] = {}
        self._lock = threading.Lock()

    def join(self, item_id: int, sid: str, entry: dict) -> None:
        with self._lock:
            self._items.setdefault(item_id, {})[sid] = entry

    def leave(self, item_id: int, sid: str) -> bool:
        """Remove the socket from the item; whether it was there."""
        with self._lock:
            return self._items.get(item_id, {}).pop(sid, None) is not None

    def drop(self, sid: str) -> list[int]:
        """Remove the socket everywhere (it disconnected); the items it was in."""
        with self._lock:
            left = [item for item, sids in self._items.items() if sids.pop(sid, None)]
        return left

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


class RedisPresence:
    """Presence in Redis: ``<prefix>presence:item:<id>`` maps sid → entry (JSON);
    ``<prefix>presence:sid:<sid>`` lists the items of a socket, for its disconnect."""

    def __init__(self, client, prefix: str):
        self._redis = client
        self._prefix = prefix

    def _item_key(self, item_id: int) -> str:
        return f"{self._prefix}presence:item:{item_id}"

    def _sid_key(self, sid: str) -> str:
        return f"{self._prefix}presence:sid:{sid}"

    def join(self, item_id: int, sid: str, entry: dict) -> None:
        pipe = self._redis.pipeline()
        pipe.hset(self._item_key(item_id), sid, json.dumps(entry))
        pipe.expire(self._item_key(item_id), ENTRY_TTL)
        pipe.sadd(self._sid_key(sid), item_id)
        pipe.expire(self._sid_key(sid), ENTRY_TTL)
        pipe.execute()

    def leave(self, item_id: int, sid: str) -> bool:
        pipe = self._redis.pipeline()
        pipe.hdel(self._item_key(item_id), sid)
        pipe.srem(self._sid_key(sid), item_id)
        removed, _ = pipe.execute()
        return bool(removed)

    def drop(self, sid: str) -> list[int]:
        items = [int(i) for i in self._redis.smembers(self._sid_key(sid))]
        pipe = self._redis.pipeline()
        for item_id in items:
            pipe.hdel(self._item_key(item_id), sid)
        pipe.delete(self._sid_key(sid))
        results = pipe.execute()
        return [item_id for item_id, removed in zip(items, results, strict=False) if removed]

    def entries(self, item_id: int) -> list[dict]:
        return [json.loads(v) for v in self._redis.hvals(self._item_key(item_id))]

    def sids_of_user(self, user_id: int) -> set[str]:
        sids = set()
        for key in self._redis.scan_iter(match=self._item_key("*"), count=500):
            for sid, value in self._redis.hgetall(key).items():
                if json.loads(value)["user"] == user_id:
                    sids.add(sid.decode() if isinstance(sid, bytes) else sid)
        return sids
