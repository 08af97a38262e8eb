"""The sliding windows behind every rate limit: in memory and in Redis, the same answers."""

import pytest
from conftest import redis_for_test

from commonground.realtime.ratelimit import MemoryWindows, RedisWindows


def windows_of(kind: str):
    if kind == "memory":
        return MemoryWindows()
    return RedisWindows(*redis_for_test())


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_peek_never_counts_hit_counts_and_clear_forgets(kind):
    windows = windows_of(kind)
    assert windows.peek("k", 2, 60) == 0
    assert windows.hit("k", 2, 60) == 0 and windows.hit("k", 2, 60) == 0
    assert windows.peek("k", 2, 60) > 0 and windows.peek("k", 2, 60) > 0
    assert windows.hit("k", 2, 60) > 0  # full: refused, not counted
    windows.clear("k")
    assert windows.peek("k", 2, 60) == 0
    assert windows.hit("k", 2, 60) == 0
    assert windows.peek("other", 1, 60) == 0
