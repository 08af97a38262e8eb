"""Casts carried out together (issue 15, group commit): ``voting.services.cast_ballots``
judges each cast of a group alone, by the rules of a single cast, and leaves exactly what
the same casts one after the other leave — ballots, receipts' sequences, running sums equal
to a recount, one leaf per cast in the log — on SQLite and PostgreSQL, for a fixed number
of statements however many casts the group holds."""

import sqlalchemy as sa
from conftest import counted_statements, make_member, make_user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_voting_running_sums import CONSENSUS, a_cast, new_electorate, sums_equal_recount
from test_voting_world import open_motion

from commonground.accounts.models import User
from commonground.db import db
from commonground.errors import Forbidden, Invalid, NotFound, Unauthorized
from commonground.records import leaves
from commonground.records.models import LogLeaf
from commonground.transactions import in_transaction
from commonground.voting import queries, services
from commonground.voting.models import Ballot, Motion
from commonground.voting.receipts import ballot_receipt

MAJORITY = {"kind": "majority"}


def cast_group(motion_id: int, casts: list[tuple]) -> list:
    return in_transaction(lambda: services.cast_ballots(db.session.get(Motion, motion_id), casts))


def ballots_of(motion_id: int) -> dict[int, tuple[str, int, str]]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Ballot.membership_id, Ballot.choice, Ballot.sequence, Ballot.receipt).where(
            Ballot.motion_id == motion_id
        )
    )
    return {row.membership_id: (row.choice, row.sequence, row.receipt) for row in rows}


def ballot_leaves(slug_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(LogLeaf.subject)
            .where(LogLeaf.deliberation_id == slug_id, LogLeaf.event == leaves.BALLOT_CAST)
            .order_by(LogLeaf.leaf_index)
        )
    )


def test_each_cast_of_a_group_is_judged_alone(app, world):
    motion = services.create_motion(world.users["moderator"], world.item, text="Go", rule=MAJORITY)
    services.open_motion(world.users["moderator"], motion)
    db.session.commit()
    users = world.users
    outcomes = cast_group(
        motion.id,
        [
            (users["delegate"], "yes"),
            (users["observer"], "yes"),  # a member, not in the electorate
            (users["delegate2"], "block"),  # not a choice of a majority vote
            (users["outsider"], "yes"),  # may not read the deliberation
            (users["delegate2"], "no"),
            (users["delegate"], "abstain"),  # the same voter again, later in the group
            (None, "yes"),
        ],
    )
    kinds = [type(outcome) for outcome in outcomes]
    assert kinds == [
        services.Cast,
        Forbidden,
        Invalid,
        Forbidden,
        services.Cast,
        services.Cast,
        Unauthorized,
    ]
    assert outcomes[1].code == "not_a_voter" and outcomes[2].field == "choice"
    first, second = outcomes[0], outcomes[5]
    # Each answer describes its own cast, though both changed the same ballot row.
    assert (first.choice, first.sequence) == ("yes", 1)
    assert (second.choice, second.sequence) == ("abstain", 2)
    assert first.receipt != second.receipt
    key = services.current_receipt_key()
    delegate = world.memberships["delegate"].id
    assert first.receipt == ballot_receipt(key, motion.id, delegate, 1, "yes")
    stored = ballots_of(motion.id)
    assert stored == {
        delegate: ("abstain", 2, second.receipt),
        world.memberships["delegate2"].id: ("no", 1, outcomes[4].receipt),
    }
    # One leaf per accepted cast, in the order of the casts; none for a refusal.
    assert ballot_leaves(world.deliberation.id) == [
        f"receipt:{outcomes[i].receipt}" for i in (0, 4, 5)
    ]
    running, recounted = sums_equal_recount(motion.id)
    assert running == recounted


def test_a_group_on_a_closed_or_unknown_motion_changes_nothing(app, world):
    motion = services.create_motion(world.users["moderator"], world.item, text="Go", rule=MAJORITY)
    db.session.commit()
    # A draft: voters cannot tell it from a motion that does not exist.
    outcomes = cast_group(motion.id, [(world.users["delegate"], "yes")])
    assert isinstance(outcomes[0], NotFound)
    moderator_cast = cast_group(motion.id, [(world.users["moderator"], "yes")])
    assert moderator_cast[0].code == "motion_not_open"
    assert ballots_of(motion.id) == {}


groups_strategy = st.lists(st.lists(a_cast, min_size=1, max_size=8), max_size=5)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(groups=groups_strategy)
def test_groups_of_casts_leave_what_the_casts_one_by_one_leave(any_app, groups):
    client = any_app.test_client()
    electorate = new_electorate()
    together = open_motion(client, electorate, CONSENSUS)
    one_by_one = open_motion(client, electorate, CONSENSUS)
    users = [db.session.get(User, voter.user_id) for voter in electorate.voters]
    leaves_before = len(ballot_leaves(electorate.deliberation_id))

    for group in groups:
        grouped = cast_group(together, [(users[index], choice) for index, choice in group])
        single = [cast_group(one_by_one, [(users[index], choice)])[0] for index, choice in group]
        assert [(o.choice, o.sequence) for o in grouped] == [(o.choice, o.sequence) for o in single]
        running, recounted = sums_equal_recount(together)
        assert running == recounted

    def without_receipts(ballots):
        return {member: ballot[:2] for member, ballot in ballots.items()}

    assert without_receipts(ballots_of(together)) == without_receipts(ballots_of(one_by_one))
    db.session.rollback()
    motions = {
        together: db.session.get(Motion, together),
        one_by_one: db.session.get(Motion, one_by_one),
    }
    sums = {motion_id: queries.running_sums(motion) for motion_id, motion in motions.items()}
    assert sorted(sums[together][0]) == sorted(sums[one_by_one][0])
    assert sums[together][1] == sums[one_by_one][1]
    casts = sum(len(group) for group in groups)
    assert len(ballot_leaves(electorate.deliberation_id)) == leaves_before + 2 * casts


def test_a_group_costs_the_same_statements_however_many_casts(app, world):
    moderator = world.users["moderator"]
    for n in range(12):
        user = make_user(f"plenary-{n}@example.org")
        make_member(user, world.deliberation, "delegate", world.groups["governments"])
    motion = services.create_motion(moderator, world.item, text="Go", rule=MAJORITY)
    services.open_motion(moderator, motion)
    db.session.commit()
    voters = db.session.scalars(
        sa.select(User).where(User.email.like("plenary-%")).order_by(User.id)
    ).all()

    def statements_of(casts):
        # The users as the socket path has them: read in the transaction (the last commit
        # expired them here).
        for user, _ in casts:
            db.session.refresh(user)
        with counted_statements() as statements:
            outcomes = cast_group(motion.id, casts)
        assert all(isinstance(o, services.Cast) for o in outcomes), outcomes
        return len(statements)

    # The same running sums touched (one group, one choice), two casts or ten.
    assert statements_of([(voters[0], "yes"), (voters[1], "yes")]) == statements_of(
        [(voter, "yes") for voter in voters[2:]]
    )
    # Changed ballots: their UPDATE, and the sums of two choices.
    assert statements_of([(voter, "no") for voter in voters]) == statements_of(
        [(voters[0], "yes"), (voters[1], "yes")]
    )
