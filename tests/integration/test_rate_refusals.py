"""Many rate checks of one moment in one round trip (``ratelimit.rate_refusals``): the same
answers as one ``check_rate`` after another, in this process's memory and in Redis."""

import pytest
from conftest import base_config, redis_for_test

from commonground import create_app
from commonground.errors import RateLimited
from commonground.realtime.ratelimit import RedisWindows, rate_refusals
from commonground.realtime.stores import EXTENSION_KEY


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, database_path, tmp_path):
    config = {
        **base_config(f"sqlite:///{database_path}", tmp_path),
        "POST_RATE_LIMIT": "2/60",
        "SOCKET_RATE_LIMIT": "1/60",
        "SOCKET_MEMBER_RATE_LIMIT": "0/60",
    }
    app = create_app(config)
    if request.param == "redis":
        app.extensions[EXTENSION_KEY].rate_windows = RedisWindows(*redis_for_test())
    with app.test_request_context():
        yield app


def test_each_check_is_counted_in_turn_and_refused_alone(limited_app):
    refusals = rate_refusals([(f"post:{m}", "POST_RATE_LIMIT") for m in (1, 1, 2, 1)])
    assert refusals[:3] == [None, None, None]
    assert isinstance(refusals[3], RateLimited) and refusals[3].retry_after >= 1
    assert "at most 2 posts in 60 seconds" in str(refusals[3].message)


def test_a_limit_that_is_off_counts_nothing(limited_app):
    checks = [("socket-member:7", "SOCKET_MEMBER_RATE_LIMIT")] * 3
    assert rate_refusals(checks) == [None, None, None]


def test_after_a_refusal_the_rest_are_left_uncounted_when_asked(limited_app):
    assert rate_refusals([("socket:s", "SOCKET_RATE_LIMIT")]) == [None]
    refusals = rate_refusals(
        [("socket:s", "SOCKET_RATE_LIMIT"), ("post:9", "POST_RATE_LIMIT")],
        stop_at_refusal=True,
    )
    assert isinstance(refusals[0], RateLimited) and refusals[1] is None
    # post:9 was not counted: both of its posts are still allowed.
    assert rate_refusals([("post:9", "POST_RATE_LIMIT")] * 2) == [None, None]
