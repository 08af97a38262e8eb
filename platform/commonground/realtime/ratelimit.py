"""Per-member rate limits shared by pages, the API and sockets, across server processes.

A sliding window: at most ``count`` actions in any ``seconds``. With ``REDIS_URL`` the
windows live in Redis, so every process counts the same actions; without it they live in
this process (the embedded single-process setup).
"""

import logging
import threading
import time
import uuid
from collections import deque

from flask import current_app, g
from flask_babel import lazy_gettext as _l

from ..errors import RateLimited
from .stores import state

logger = logging.getLogger(__name__)


def parse_rate(spec: str) -> tuple[int, float]:
    """``"10/60"`` → (10, 60.0): at most 10 actions in any 60 seconds.

    ``"0/…"`` or an empty spec turns the limit off (count 0).
    """
    spec = (spec or "").strip()
    if not spec:
        return 0, 0.0
    count_text, sep, seconds_text = spec.partition("/")
    if not sep:
        raise ValueError(f"a rate is 'count/seconds', not {spec!r}")
    count, seconds = int(count_text), float(seconds_text)
    if count < 0 or seconds <= 0:
        raise ValueError(f"a rate needs count >= 0 and seconds > 0, not {spec!r}")
    return count, seconds


class MemoryWindows:
    """Sliding windows in this process's memory."""

    def __init__(self):
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, count: int, seconds: float, now: float | None = None) -> float:
        """Record an action unless the window is full; 0 if allowed, else seconds to wait."""
        return self._check(key, count, seconds, now, record=True)

    def peek(self, key: str, count: int, seconds: float, now: float | None = None) -> float:
        """Like ``hit`` without recording: 0 if an action would be allowed."""
        return self._check(key, count, seconds, now, record=False)

    def _check(self, key: str, count: int, seconds: float, now, *, record: bool) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - seconds:
                hits.popleft()
            if len(hits) >= count:
                return hits[0] + seconds - now
            if record:
                hits.append(now)
            return 0.0

    def hit_all(self, checks: list[tuple], *, stop_at_refusal: bool = False) -> list:
        """``hit`` for each ``(key, count, seconds)`` of ``checks``, in turn; after a
        refusal, with ``stop_at_refusal``, the rest are not tried (None)."""
        waits: list[float | None] = []
        for key, count, seconds in checks:
            waits.append(self.hit(key, count, seconds))
            if waits[-1] > 0 and stop_at_refusal:
                break
        return waits + [None] * (len(checks) - len(waits))

    def clear(self, key: str) -> None:
        """Forget every action of ``key``."""
        with self._lock:
            self._hits.pop(key, None)


# Atomic check-and-record of windows in turn. KEYS: the windows; ARGV[1]: now; ARGV[2]: "1"
# to record ("0" only checks); ARGV[3]: "1" to stop at the first full window; then three
# ARGV a window: its length, its limit, a unique member. A full window's attempt is not
# counted, so a member who waits the announced time always gets through. Returns each
# window's wait in milliseconds (0: allowed), as far as it went.
_SLIDING_WINDOWS = """
local now = tonumber(ARGV[1])
local waits = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[3 * i + 1])
  local limit = tonumber(ARGV[3 * i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) < limit then
    if ARGV[2] == '1' then
      redis.call('ZADD', key, now, ARGV[3 * i + 3])
      redis.call('PEXPIRE', key, math.ceil(window * 1000))
    end
    waits[i] = 0
  else
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    waits[i] = math.ceil((tonumber(oldest[2]) + window - now) * 1000)
    if ARGV[3] == '1' then
      return waits
    end
  end
end
return waits
"""


class RedisWindows:
    """Sliding windows in Redis sorted sets, shared by every process."""

    def __init__(self, client, prefix: str):
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_SLIDING_WINDOWS)

    def hit(self, key: str, count: int, seconds: float) -> float:
        return self._check([(key, count, seconds)], record=True)[0]

    def peek(self, key: str, count: int, seconds: float) -> float:
        return self._check([(key, count, seconds)], record=False)[0]

    def hit_all(self, checks: list[tuple], *, stop_at_refusal: bool = False) -> list:
        """As ``MemoryWindows.hit_all``, in one round trip (one atomic script)."""
        return self._check(checks, record=True, stop_at_refusal=stop_at_refusal)

    def _check(
        self, checks: list[tuple], *, record: bool, stop_at_refusal: bool = False
    ) -> list[float | None]:
        if not checks:
            return []
        args: list = [time.time(), "1" if record else "0", "1" if stop_at_refusal else "0"]
        for _, count, seconds in checks:
            args += [seconds, count, uuid.uuid4().hex]
        waits = self._script(keys=[f"{self._prefix}rate:{key}" for key, _, _ in checks], args=args)
        return [int(wait) / 1000 for wait in waits] + [None] * (len(checks) - len(waits))

    def clear(self, key: str) -> None:
        self._client.delete(f"{self._prefix}rate:{key}")


def check_rate(key: str, setting: str = "POST_RATE_LIMIT") -> None:
    """Count one action for ``key`` against the rate in config ``setting`` (see config.py).

    Raises ``RateLimited`` (HTTP 429, ack code ``rate_limited``) when the window is full.
    When Redis is configured but unreachable the action is allowed and a warning logged:
    a broken limiter must not silence a deliberation.
    """
    (refusal,) = rate_refusals([(key, setting)])
    if refusal is not None:
        raise refusal


def rate_refusals(
    checks: list[tuple[str, str]], *, stop_at_refusal: bool = False
) -> list[RateLimited | None]:
    """:func:`check_rate` for each ``(key, setting)`` of ``checks``, in turn, with one round
    trip to Redis for them all: for each, None when it was counted (or its limit is off),
    else the ``RateLimited`` error to raise. With ``stop_at_refusal``, the checks after a
    refusal are not counted (None), as if ``check_rate`` had raised there.

    For the many actions of one moment: the two budgets of a socket event, the posts of a
    group carried out together."""
    limits = [(key, setting, *parse_rate(current_app.config[setting])) for key, setting in checks]
    counted = [(key, count, seconds) for key, _, count, seconds in limits if count > 0]
    try:
        waits = iter(state().rate_windows.hit_all(counted, stop_at_refusal=stop_at_refusal))
    except Exception:
        logger.warning("rate limiter unavailable; allowing %s", checks, exc_info=True)
        return [None] * len(checks)
    refusals: list[RateLimited | None] = []
    for key, setting, count, seconds in limits:
        wait = next(waits) if count > 0 else None
        refusals.append(_refusal(key, setting, count, seconds, wait) if wait else None)
    return refusals


def check_failures(key: str, setting: str) -> None:
    """Refuse (``RateLimited``) when ``key`` has used up its failures in the window of
    ``setting``, without counting this attempt: only ``record_failure`` counts."""
    count, seconds = parse_rate(current_app.config[setting])
    if count <= 0:
        return
    try:
        wait = state().rate_windows.peek(key, count, seconds)
    except Exception:
        logger.warning("rate limiter unavailable; allowing %s", key, exc_info=True)
        return
    if wait > 0:
        raise _refusal(key, setting, count, seconds, wait)


def record_failure(key: str, setting: str) -> None:
    """Count one failure of ``key`` (a wrong password …) in the window of ``setting``."""
    count, seconds = parse_rate(current_app.config[setting])
    if count <= 0:
        return
    try:
        state().rate_windows.hit(key, count, seconds)
    except Exception:
        logger.warning("rate limiter unavailable; %s not counted", key, exc_info=True)


def clear_failures(key: str) -> None:
    """Forget the failures of ``key`` (a success ends the run of failures)."""
    try:
        state().rate_windows.clear(key)
    except Exception:
        logger.warning("rate limiter unavailable; %s not cleared", key, exc_info=True)


def _refusal(key: str, setting: str, count: int, seconds: float, wait: float) -> RateLimited:
    """The error refusing ``key``'s action, full window of ``setting``, for ``wait`` seconds."""
    logger.info("rate limited: %s (retry in %.1f s)", key, wait)
    message = (
        _l(
            "You are posting too often: at most %(count)s posts in %(seconds)s seconds. "
            "Please wait %(wait)s seconds.",
            count=count,
            seconds=int(seconds),
            wait=max(1, round(wait)),
        )
        if setting == "POST_RATE_LIMIT"
        else None  # RateLimited's own message
    )
    error = RateLimited(message)
    error.retry_after = g.retry_after = max(1, round(wait))
    return error
