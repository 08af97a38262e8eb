"""The log check of ``records verify`` (``verify_log.LogCheck``) without a database: what
the leaves say about posts is kept in a temporary SQLite file and compared with the posts in
batches, whatever their number; leaves a forger filled with values of the wrong type are
reported, never crash the check."""

from commonground.records import verify_log
from commonground.records.leaves import content_sha256, entry, post_created_data, reaction_data
from commonground.records.verify import Report


def leaf(index: int, event: str, subject: str, data: dict) -> dict:
    return entry(
        deliberation="d",
        leaf=index,
        event=event,
        subject=subject,
        at="2026-01-01T00:00:00Z",
        data=data,
    )


def post(post_id: int, body: str, agree: int = 0) -> dict:
    return {
        "id": post_id,
        "author": "m-0000000000000001",
        "body": body,
        "revisions": [],
        "translations": [],
        "reactions": {"agree": agree, "disagree": 0, "pass": 0, "groups": []},
    }


def test_posts_beyond_one_batch_are_each_checked_against_their_leaves(monkeypatch):
    monkeypatch.setattr(verify_log, "POST_BATCH", 3)
    monkeypatch.setattr(verify_log, "LEAF_BATCH", 4)
    check, report = verify_log.LogCheck(), Report("record.json")
    count = 10
    for n in range(count):
        data = post_created_data(
            item=1, parent=None, author="m-0000000000000001", language="en", body=f"Post {n}"
        )
        check.leaf(2 * n, leaf(2 * n, "post.create", f"post:{n + 1}", data), report)
        reaction = reaction_data(post=n + 1, member="m-0000000000000002", stance="agree")
        check.leaf(2 * n + 1, leaf(2 * n + 1, "reaction.change", "post:0", reaction), report)
    for n in range(count):
        body = "Forged" if n == 7 else f"Post {n}"
        check.post(post(n + 1, body, agree=0 if n == 4 else 1))
    check._check_posts()
    assert check.post_problems == [
        "post 5: 0 agree in the record, 1 in the log's reactions",
        "post 8: the text of version 1 differs from the one leaf 14 of the log committed to",
    ]
    assert check._unseen_posts() == []
    assert content_sha256("Post 7") != content_sha256("Forged")


def test_leaves_with_values_of_the_wrong_type_are_reported_not_crashed_on():
    check, report = verify_log.LogCheck(), Report("record.json")
    odd = {"post": {"id": 1}, "member": ["m"], "stance": 3}
    check.leaf(0, leaf(0, "reaction.change", "post:x", odd), report)
    bad = {"item": 1, "author": {"x": 1}, "body_sha256": [1], "language": None}
    check.leaf(1, leaf(1, "post.create", "post:x", bad), report)
    check.leaf(2, leaf(2, "post.create", "post:2", bad), report)
    check.post({**post(1, "Text"), "id": {"not": "a number"}})
    check.post(post(1, "Text"))
    check.post(post(2, "Text"))
    check._check_posts()
    assert any("post 2: its author differs" in p for p in check.post_problems)
    assert any("post 2: the text of version 1 differs" in p for p in check.post_problems)
    assert "a post's id is not a number: {'not': 'a number'}" in check.post_problems
    assert "post 1 is not in the log" in check.post_problems  # its leaf named no post
