"""Whatever a client sends with any event, the answer is an ack — ``ok: true`` or a clear
``ok: false`` — never ``server_error``, and the connection goes on working (hypothesis
generates the payloads: any JSON, numbers far past any column, deep nesting, odd types)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EVENTS = [
    "join",
    "leave",
    "post",
    "react",
    "ballot",
    "typing",
    "session:join",
    "session:leave",
    "floor:request",
    "floor:withdraw",
    "session:current",
    "round:start",
    "round:extend",
    "round:stop",
    "floor:grant",
    "floor:skip",
    "floor:clear",
    "announce",
    "announce:clear",
]
FIELDS = [
    "item",
    "after",
    "since",
    "parent",
    "body",
    "language",
    "post",
    "stance",
    "motion",
    "choice",
    "deliberation",
    "member",
    "title",
    "seconds",
    "text",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=50),
    st.sampled_from(["1", "ai-2026", "agree", "yes", "en", "2026-12-03T00:00:00Z", ""]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
payloads = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
)


@pytest.mark.slow
@pytest.mark.parametrize("event", EVENTS)
def test_every_event_answers_any_payload_with_an_ack(serve, connect, world, event):
    live = serve(
        SOCKET_RATE_LIMIT="0/60",
        SOCKET_MEMBER_RATE_LIMIT="0/60",
        POST_RATE_LIMIT="0/60",
        REACTION_RATE_LIMIT="0/60",
        JOIN_RATE_LIMIT="0/60",
        TYPING_RATE_LIMIT="0/60",
    )
    client = connect(live.url, token=world.tokens["moderator"])

    @given(payload=payloads)
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answered(payload):
        ack = client.call(event, payload)
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
        if not ack["ok"]:
            assert ack["error"]["code"] != "server_error", (event, payload, ack)

    answered()
    assert client.call("join", {"item": world.item.id})["ok"]
