"""Socket events with numbers no database column can hold get an ``ok: false`` ack naming
the field — never ``server_error`` — and the connection goes on working."""

import pytest

HUGE = [2**31, 2**63, 2**64, 2**70]


@pytest.mark.parametrize("number", HUGE)
def test_every_event_answers_out_of_range_numbers_with_the_field_at_fault(
    live, connect, world, number
):
    delegate = connect(live.url, token=world.tokens["delegate"])
    item = world.item.id
    for event, data, field in (
        ("join", {"item": item, "after": number}, "after"),
        ("join", {"item": number}, "item"),
        ("post", {"item": item, "body": "Hello", "parent": number}, "parent"),
        ("ballot", {"motion": number, "choice": "yes"}, "motion"),
        ("react", {"post": number, "stance": "agree"}, "post"),
        ("floor:request", {"item": number}, "item"),
        ("typing", {"item": number}, "item"),
    ):
        ack = delegate.call(event, data)
        assert ack["ok"] is False, (event, ack)
        assert ack["error"]["code"] == "invalid", (event, ack)
        assert ack["error"]["field"] == field, (event, ack)
    # The socket still works, and nothing was posted.
    ack = delegate.call("join", {"item": item})
    assert ack["ok"] is True and ack["posts"] == []
