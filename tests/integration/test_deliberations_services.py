"""The deliberation services beneath pages and API: transactions, audit chain, read rules."""

import pytest
import sqlalchemy as sa
from conftest import ROLES, counted_statements, make_deliberation, make_member

from commonground.db import db, reading_only
from commonground.deliberations import services
from commonground.deliberations.access import (
    can_moderate,
    can_read,
    membership_of,
    readable_clause,
    require_reader_access,
)
from commonground.deliberations.models import Deliberation
from commonground.errors import Conflict, Forbidden, Invalid, Unauthorized
from commonground.records.audit import audit_events, record_event, verify_deliberation_chain
from commonground.records.chain import GENESIS_HASH
from commonground.records.models import AuditEvent
from commonground.transactions import in_transaction, read_from_now


def actor(world, role):
    return world.users.get(role) if role != "anonymous" else None


def test_a_refused_action_rolls_back_what_it_had_flushed(world):
    def refused():
        db.session.add(Deliberation(slug="flushed", title="Flushed", languages=["en"]))
        db.session.flush()
        raise Invalid(field="title")

    with pytest.raises(Invalid):
        in_transaction(refused)
    assert db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == "flushed")) is None


def test_a_database_constraint_caught_late_becomes_a_conflict(world):
    with pytest.raises(Conflict):
        in_transaction(
            lambda: db.session.add(
                Deliberation(slug="ai-2026", title="Duplicate", languages=["en"])
            )
        )
    assert db.session.scalar(sa.select(sa.func.count(Deliberation.id))) == 2


def test_audit_events_form_one_chain_per_deliberation(world):
    admin = world.users["admin"]
    record_event(world.deliberation, admin, "test.first", "item:1", {"n": 1})
    record_event(world.other, admin, "test.elsewhere")
    record_event(world.deliberation, None, "test.second", "", {"n": 2})
    db.session.commit()
    chain = audit_events(world.deliberation)
    assert [(e.seq, e.action) for e in chain] == [(1, "test.first"), (2, "test.second")]
    assert chain[0].prev_hash == GENESIS_HASH and chain[1].prev_hash == chain[0].hash
    assert chain[0].actor_name == "Ada Admin" and chain[1].actor_id is None
    assert [e.seq for e in audit_events(world.other)] == [1]
    assert verify_deliberation_chain(world.deliberation) is None


def test_an_altered_stored_event_is_detected(world):
    for n in range(3):
        record_event(world.deliberation, world.users["moderator"], "test.step", "", {"n": n})
    db.session.commit()
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.deliberation_id == world.deliberation.id, AuditEvent.seq == 2)
        .values(payload={"n": 99})
    )
    db.session.commit()
    db.session.expire_all()
    assert verify_deliberation_chain(world.deliberation) == 2


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_the_listing_rule_agrees_with_can_read(world, role):
    user = actor(world, role)
    kinds = [
        make_deliberation(
            f"{status}-{'public' if public else 'private'}", status=status, public=public
        )
        for status in ("draft", "open", "closed")
        for public in (True, False)
    ]
    for deliberation in kinds:
        if user is not None and role in ("moderator", "delegate"):
            make_member(
                user,
                deliberation,
                role,
                world.groups["governments"] if role == "delegate" else None,
            )
    db.session.commit()
    listed = set(db.session.scalars(sa.select(Deliberation.slug).where(readable_clause(user))))
    everything = db.session.scalars(sa.select(Deliberation)).all()
    assert listed == {d.slug for d in everything if can_read(user, d)}


#: Who may read a deliberation of each kind: (status, public) → the roles that may.
MAY_READ = {
    ("draft", True): {"admin", "moderator"},
    ("draft", False): {"admin", "moderator"},
    ("open", True): {*ROLES, "outsider"},
    ("open", False): {"admin", "moderator", "delegate", "observer"},
    ("closed", True): {*ROLES, "outsider"},
    ("closed", False): {"admin", "moderator", "delegate", "observer"},
}


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
@pytest.mark.parametrize(("status", "public"), list(MAY_READ))
def test_reader_access_reads_the_membership_once_and_decides_as_the_rules_do(
    world, role, status, public
):
    user = actor(world, role)
    deliberation = make_deliberation(f"{status}-{public}", status=status, public=public)
    # Members of this deliberation in their own role; other_moderator moderates another.
    if role in ("moderator", "delegate", "observer"):
        group = world.groups["governments"] if role == "delegate" else None
        make_member(user, deliberation, role, group)
    db.session.commit()
    may_read = role in MAY_READ[(status, public)]
    assert can_read(user, deliberation) is may_read
    if user is not None:
        db.session.refresh(user)
    with counted_statements() as run:
        if may_read:
            access = require_reader_access(user, deliberation)
        else:
            refusal = Unauthorized if user is None else Forbidden
            with pytest.raises(refusal):
                require_reader_access(user, deliberation)
    assert len(run) == (0 if user is None else 1)
    if may_read:
        assert access.membership is membership_of(user, deliberation)
        assert access.moderator is can_moderate(user, deliberation)
        assert access.moderator is (role in ("admin", "moderator"))


def test_a_read_only_transaction_refuses_to_write(world):
    def write():
        db.session.add(Deliberation(slug="sneaked", title="Sneaked in", languages=["en"]))
        db.session.flush()

    with pytest.raises(RuntimeError):
        in_transaction(write, read_only=True)
    assert not reading_only()
    assert db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == "sneaked")) is None
    in_transaction(write)
    assert db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == "sneaked"))


def test_a_read_only_transaction_sees_commits_from_where_it_reads_anew(world, database_path):
    def count():
        return db.session.scalar(sa.select(sa.func.count(Deliberation.id)))

    def read_before_and_after_another_commit():
        before = count()
        # Another process's writer commits meanwhile: this transaction took no lock.
        elsewhere = sa.create_engine(f"sqlite:///{database_path}")
        with elsewhere.begin() as connection:
            connection.execute(sa.insert(Deliberation), {"slug": "elsewhere", "title": "Elsewhere"})
        elsewhere.dispose()
        same_snapshot = count()
        read_from_now()
        return before, same_snapshot, count()

    db.session.commit()
    assert in_transaction(read_before_and_after_another_commit, read_only=True) == (2, 2, 3)
    with pytest.raises(RuntimeError):
        in_transaction(read_from_now)


def test_saving_unchanged_values_writes_no_event(world):
    moderator = world.users["moderator"]
    services.update_deliberation(
        moderator, world.deliberation, title=world.deliberation.title, status="open"
    )
    services.update_group(moderator, world.groups["governments"], share=2)
    services.update_member(moderator, world.memberships["delegate"], group="governments")
    services.update_item(moderator, world.item, title="First item", status="open")
    assert audit_events(world.deliberation) == []


def test_the_audit_records_what_changed_from_what(world):
    moderator = world.users["moderator"]
    services.update_member(
        moderator, world.memberships["delegate"], group="civil_society", weight=3
    )
    event = audit_events(world.deliberation)[-1]
    assert event.action == "member.update"
    assert event.payload["changes"] == {
        "group": {"from": "governments", "to": "civil_society"},
        "weight": {"from": 1, "to": 3},
    }


def test_changing_the_source_language_keeps_it_among_the_languages(world):
    moderator = world.users["moderator"]
    services.update_deliberation(moderator, world.deliberation, source_language="ar")
    assert world.deliberation.languages == ["ar", "en", "fr"]
    with pytest.raises(Invalid) as refused:
        services.update_deliberation(moderator, world.deliberation, languages=["fr"])
    assert refused.value.field == "languages"


def test_a_translation_cannot_claim_the_language_the_item_moves_to(world):
    moderator = world.users["moderator"]
    services.set_item_translation(moderator, world.item, language="fr", title="Premier")
    with pytest.raises(Conflict) as refused:
        services.update_item(moderator, world.item, language="fr")
    assert refused.value.field == "language"


def test_opening_closing_or_locking_an_item_tells_its_viewers_after_commit(world):
    from commonground.realtime.emitting import pending_emits

    moderator = world.users["moderator"]
    services.update_item(moderator, world.item, title="Renamed")
    assert pending_emits() == []
    services.update_item(moderator, world.item, status="closed")
    services.update_item(moderator, world.item, locked=True)
    assert [(event, data) for event, data, *_ in pending_emits()] == [
        ("item:status", {"item": world.item.id, "status": "closed", "locked": False}),
        ("item:status", {"item": world.item.id, "status": "closed", "locked": True}),
    ]


def test_a_moderator_cannot_mute_themself_but_may_mute_a_delegate(world):
    moderator = world.users["moderator"]
    with pytest.raises(Invalid) as refused:
        services.update_member(moderator, world.memberships["moderator"], muted=True)
    assert refused.value.field == "muted"
    assert world.memberships["moderator"].muted is False
    services.update_member(moderator, world.memberships["delegate"], muted=True)
    assert world.memberships["delegate"].muted is True
