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


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_several_windows_are_counted_in_turn_as_one_by_one(kind):
    windows = windows_of(kind)
    waits = windows.hit_all([("a", 1, 60), ("a", 1, 60), ("b", 2, 60), ("b", 2, 60)])
    assert waits[0] == 0 and waits[1] > 0 and waits[2:] == [0, 0]
    assert windows.peek("b", 2, 60) > 0  # both of b's counted, the refused a's not
    assert windows.hit("a", 2, 60) == 0


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_after_a_refusal_the_rest_can_be_left_uncounted(kind):
    windows = windows_of(kind)
    assert windows.hit("full", 1, 60) == 0
    waits = windows.hit_all([("full", 1, 60), ("next", 1, 60)], stop_at_refusal=True)
    assert waits[0] > 0 and waits[1] is None
    assert windows.peek("next", 1, 60) == 0
    assert windows.hit_all([]) == []
