"""Every client event spends from the connection's and the member's budgets: past them the
ack says ``rate_limited``, other clients go on unhindered, and a client that keeps flooding
is disconnected."""

import time


def typing(client, world):
    return client.call("typing", {"item": world.item.id})


def test_a_connection_past_its_budget_is_refused_and_others_are_not(serve, connect, world):
    live = serve(SOCKET_RATE_LIMIT="5/60", SOCKET_MEMBER_RATE_LIMIT="0/60")
    flooder = connect(live.url, token=world.tokens["delegate"])
    other = connect(live.url, token=world.tokens["delegate2"])
    # ballot and session:join had no limit of their own: the budget covers every event.
    acks = [
        flooder.call("session:join", {"deliberation": world.deliberation.slug}) for _ in range(7)
    ]
    assert [a["ok"] for a in acks] == [True] * 5 + [False] * 2
    assert {a["error"]["code"] for a in acks[5:]} == {"rate_limited"}
    assert other.call("session:join", {"deliberation": world.deliberation.slug})["ok"]


def test_the_members_budget_spans_their_connections(serve, connect, world):
    live = serve(SOCKET_RATE_LIMIT="0/60", SOCKET_MEMBER_RATE_LIMIT="4/60")
    first = connect(live.url, token=world.tokens["delegate"])
    second = connect(live.url, token=world.tokens["delegate"])
    answers = [typing(client, world) for client in (first, second, first, second, first)]
    assert [a["ok"] for a in answers] == [True, True, True, True, False]
    assert answers[-1]["error"]["code"] == "rate_limited"
    stranger = connect(live.url, token=world.tokens["delegate2"])
    assert typing(stranger, world)["ok"]


def test_a_client_that_keeps_flooding_is_disconnected(serve, connect, world):
    live = serve(SOCKET_RATE_LIMIT="3/60", SOCKET_MEMBER_RATE_LIMIT="0/60")
    flooder = connect(live.url, token=world.tokens["delegate"])
    for _ in range(8):  # three allowed, then refused until a whole budget of refusals
        flooder.sio.emit("ballot", {"motion": 1, "choice": "yes"})
    deadline = time.monotonic() + 5
    while flooder.sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not flooder.sio.connected
    other = connect(live.url, token=world.tokens["delegate2"])
    assert typing(other, world)["ok"]
