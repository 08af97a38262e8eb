"""Posts written together (issue 15, group commit): ``discussion.services.create_posts``
judges each post of a group alone, by the rules of a single post, and leaves exactly what
the same posts one after the other leave — posts, threads, one leaf per post in a log that
stays whole — on SQLite and PostgreSQL, for a fixed number of statements however many
posts the group holds."""

import itertools

import sqlalchemy as sa
from conftest import (
    counted_statements,
    make_deliberation,
    make_group,
    make_item,
    make_member,
    make_post,
    make_user,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.accounts.models import User
from commonground.db import db
from commonground.deliberations.models import AgendaItem
from commonground.discussion.models import Post
from commonground.discussion.rules import child_path, path_depth
from commonground.discussion.services import NewPost, create_posts
from commonground.errors import Conflict, Forbidden, Invalid, RateLimited, Unauthorized
from commonground.notifications.models import Notification
from commonground.realtime.emitting import pending_emits
from commonground.records import leaves, log
from commonground.records.merkle import root_of
from commonground.records.models import LogLeaf, LogState
from commonground.transactions import in_transaction


def post_group(item_id: int, requests: list[NewPost], **options) -> list:
    def write():
        outcomes = create_posts(db.session.get(AgendaItem, item_id), requests, **options)
        sent = [data["id"] for event, data, *_ in pending_emits() if event == "post:new"]
        return outcomes, sent

    return in_transaction(write)


def post_leaves(deliberation_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(LogLeaf.subject)
            .where(LogLeaf.deliberation_id == deliberation_id, LogLeaf.event == leaves.POST_CREATE)
            .order_by(LogLeaf.leaf_index)
        )
    )


def assert_log_whole(deliberation) -> None:
    """Leaves numbered without a gap, and the state's size and root are theirs."""
    db.session.rollback()
    rows = db.session.execute(
        sa.select(LogLeaf.leaf_index, LogLeaf.hash)
        .where(LogLeaf.deliberation_id == deliberation.id)
        .order_by(LogLeaf.leaf_index)
    ).all()
    assert [index for index, _ in rows] == list(range(len(rows)))
    state = db.session.get(LogState, deliberation.id)
    assert state.size == len(rows)
    assert state.root == root_of([bytes.fromhex(digest) for _, digest in rows]).hex()
    assert log.root_at(deliberation, state.size).hex() == state.root


def test_each_post_of_a_group_is_judged_alone(app, world):
    users, item = world.users, world.item
    hidden = make_post(item, world.memberships["delegate2"], "Hidden.", hidden=True)
    earlier = make_post(item, world.memberships["delegate2"], "Earlier.")
    other_item = make_item(world.deliberation, "Second item")
    elsewhere = make_post(other_item, world.memberships["delegate2"], "Elsewhere.")
    db.session.commit()
    outcomes, sent = post_group(
        item.id,
        [
            NewPost(users["delegate"], "First, top level.", language="fr"),
            NewPost(users["observer"], "Observers may not post."),
            NewPost(users["delegate2"], "   "),  # an empty body
            NewPost(users["outsider"], "May not read the deliberation."),
            NewPost(users["delegate2"], "A reply.", parent=earlier.id),
            NewPost(users["delegate"], "To a hidden post.", parent=hidden.id),
            NewPost(users["delegate"], "To another item's post.", parent=elsewhere.id),
            NewPost(users["delegate"], "A bad language.", language="not a language"),
            NewPost(None, "Signed out."),
            NewPost(users["moderator"], "Last, no group.", requested="fr"),
        ],
    )
    kinds = [type(outcome) for outcome in outcomes]
    assert kinds == [
        Post,
        Forbidden,
        Invalid,
        Forbidden,
        Post,
        Conflict,
        Invalid,
        Invalid,
        Unauthorized,
        Post,
    ]
    assert outcomes[1].code == "observer" and outcomes[2].field == "body"
    assert outcomes[5].field == outcomes[6].field == "parent"
    first, reply, last = outcomes[0], outcomes[4], outcomes[9]
    assert first.language == "fr" and last.language == "fr"
    # Each new post announced once, in the order of the group, with its path and author.
    assert sent == [first.id, reply.id, last.id] and first.id < reply.id < last.id
    db.session.rollback()
    stored = {
        post.id: (post.path, post.author_id)
        for post in db.session.scalars(sa.select(Post).where(Post.id >= first.id))
    }
    assert stored == {
        first.id: (child_path(None, first.id), world.memberships["delegate"].id),
        reply.id: (child_path(earlier.path, reply.id), world.memberships["delegate2"].id),
        last.id: (child_path(None, last.id), world.memberships["moderator"].id),
    }
    assert post_leaves(world.deliberation.id) == [f"post:{p.id}" for p in (first, reply, last)]
    assert_log_whole(world.deliberation)
    # The reply tells the parent's author — who is its own author here: nobody is told.
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_new_posts_are_taken_into_the_session_whole(app, world):
    """The posts are inserted as plain rows and taken into the session as stored: every
    column is set (a column added to ``Post`` and forgotten here would be read back, one
    query per post), and a change made by a receiver is written at the next flush."""

    def write():
        (post,) = create_posts(world.item, [NewPost(world.users["delegate"], "Whole.")])
        columns = {column.key for column in sa.inspect(Post).column_attrs}
        assert columns.isdisjoint(sa.inspect(post).unloaded)
        assert sa.inspect(post).persistent
        post.floor_intervention = True
        db.session.flush()
        return post.id

    post_id = in_transaction(write)
    db.session.rollback()
    assert db.session.get(Post, post_id).floor_intervention is True


def test_a_member_over_the_rate_is_refused_alone_within_a_group(app, world):
    app.config["POST_RATE_LIMIT"] = "2/60"
    users = world.users
    outcomes, _ = post_group(
        world.item.id,
        [NewPost(users["delegate"], f"Post {n}.") for n in range(3)]
        + [NewPost(users["delegate2"], "Someone else.")],
    )
    assert [type(outcome) for outcome in outcomes] == [Post, Post, RateLimited, Post]


def test_replies_and_mentions_in_a_group_tell_whom_they_concern(app, world):
    users, memberships = world.users, world.memberships
    question = make_post(world.item, memberships["delegate"], "A question.")
    db.session.commit()
    outcomes, _ = post_group(
        world.item.id,
        [
            NewPost(users["delegate2"], "An answer.", parent=question.id),
            NewPost(
                users["moderator"], "Thanks @Dora_Delegate and another answer.", parent=question.id
            ),
        ],
    )
    db.session.rollback()
    told = sorted(
        (n.user_id, n.kind, n.post_id) for n in db.session.scalars(sa.select(Notification))
    )
    delegate, delegate2 = users["delegate"].id, users["delegate2"].id
    assert told == sorted(
        [
            (delegate, "reply", outcomes[0].id),
            (delegate, "reply", outcomes[1].id),
            (delegate2, "mention", outcomes[1].id),
        ]
    )


# --- any split into groups leaves what one by one leaves --------------------------------------

AUTHORS = 3

#: One post: which author, and which earlier post it replies to (None: top level; else an
#: index taken modulo the posts written so far).
a_post = st.tuples(st.integers(0, AUTHORS - 1), st.none() | st.integers(0, 50))
groups_strategy = st.lists(st.lists(a_post, min_size=1, max_size=6), min_size=1, max_size=5)
_worlds = itertools.count()


def new_thread_world():
    """A deliberation with ``AUTHORS`` delegates in two groups and two open items."""
    n = next(_worlds)
    deliberation = make_deliberation(f"groups-{n}", scheme="groups")
    groups = [make_group(deliberation, f"g{k}", position=k) for k in range(2)]
    users = []
    for k in range(AUTHORS):
        user = make_user(f"author-{n}-{k}@example.org", f"Author {k}")
        make_member(user, deliberation, "delegate", groups[k % 2])
        users.append(user.id)
    items = (make_item(deliberation, "Together").id, make_item(deliberation, "One by one").id)
    db.session.commit()
    return deliberation, users, items


def thread_shape(item_id: int) -> list[tuple]:
    """The item's posts in id order: author, the ordinal of the post replied to, depth,
    body, and whether the path is the parent's path and the post's own id."""
    db.session.rollback()
    posts = db.session.scalars(sa.select(Post).where(Post.item_id == item_id).order_by(Post.id))
    ordinal, paths, shape = {}, {}, []
    for n, post in enumerate(posts):
        ordinal[post.id], paths[post.id] = n, post.path
        parent_path = paths.get(post.parent_id)
        shape.append(
            (
                post.author_id,
                ordinal.get(post.parent_id),
                path_depth(post.path),
                post.body,
                post.path == child_path(parent_path, post.id),
            )
        )
    return shape


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(groups=groups_strategy)
def test_groups_of_posts_leave_what_the_posts_one_by_one_leave(any_app, groups):
    deliberation, user_ids, (together, one_by_one) = new_thread_world()
    written = {together: [], one_by_one: []}

    def request(item_id: int, author: int, parent, body: str, before: int) -> NewPost:
        # A reply is to a post written before the group: a post's id is known only after.
        posts = written[item_id][:before]
        parent_id = posts[parent % before] if parent is not None and before else None
        return NewPost(db.session.get(User, user_ids[author]), body, parent=parent_id)

    for g, group in enumerate(groups):
        before = len(written[together])
        bodies = [f"Group {g}, post {p}." for p in range(len(group))]
        requests = [
            request(together, author, parent, body, before)
            for (author, parent), body in zip(group, bodies, strict=True)
        ]
        outcomes, sent = post_group(together, requests, rate_limited=False)
        assert all(isinstance(outcome, Post) for outcome in outcomes), outcomes
        assert sent == [post.id for post in outcomes]
        written[together] += sent
        for (author, parent), body in zip(group, bodies, strict=True):
            (outcome,), _ = post_group(
                one_by_one, [request(one_by_one, author, parent, body, before)], rate_limited=False
            )
            written[one_by_one].append(outcome.id)

    assert thread_shape(together) == thread_shape(one_by_one)
    assert all(whole for *_, whole in thread_shape(together))
    subjects = post_leaves(deliberation.id)
    assert sorted(subjects) == sorted(f"post:{i}" for ids in written.values() for i in ids)
    assert_log_whole(deliberation)


def test_a_group_costs_the_same_statements_however_many_posts(app, world):
    users = [world.users["delegate"], world.users["delegate2"], world.users["moderator"]]
    question = make_post(world.item, world.memberships["delegate"], "A question.")
    db.session.commit()

    def statements_of(requests):
        # The users as the socket path has them: read in the transaction (the last commit
        # expired them here).
        for request in requests:
            db.session.refresh(request.user)
        with counted_statements() as statements:
            outcomes, _ = post_group(world.item.id, requests, rate_limited=False)
        assert all(isinstance(o, Post) for o in outcomes), outcomes
        # Each notification a reply makes is a row of its own (on SQLite its own INSERT:
        # the unit of work's inserts that need their ids back go one by one there).
        return sum(not s.startswith("INSERT INTO notifications") for s in statements)

    statements_of([NewPost(users[0], "The log's first leaf: its state is created.")])
    # Top-level posts: two or nine.
    two = statements_of([NewPost(users[0], "One."), NewPost(users[1], "Two.")])
    assert two == statements_of([NewPost(users[n % 3], f"Post {n}.") for n in range(9)])
    # Replies add the read of their parents and of the parents' authors, once for all.
    one_reply = statements_of([NewPost(users[1], "A reply.", parent=question.id)])
    assert one_reply == two + 3  # parents, their authors, the recipients' choices
    assert one_reply == statements_of(
        [NewPost(users[n % 3], f"Reply {n}.", parent=question.id) for n in range(1, 9)]
    )
