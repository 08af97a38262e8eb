"""The audit chain hashes the actor's id, so the account behind a recorded action stays."""

import pytest
import sqlalchemy as sa

from commonground.db import db
from commonground.records.audit import record_event, verify_deliberation_chain


def test_an_account_with_recorded_actions_cannot_be_deleted(world):
    moderator = world.users["moderator"]
    record_event(world.deliberation, moderator, "item.open", f"item:{world.item.id}")
    db.session.commit()
    db.session.execute(
        sa.delete(type(world.memberships["moderator"])).where(
            type(world.memberships["moderator"]).user_id == moderator.id
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.delete(type(moderator)).where(type(moderator).id == moderator.id))
        db.session.flush()
    db.session.rollback()
    assert verify_deliberation_chain(world.deliberation) is None


def test_accounts_without_recorded_actions_can_still_be_deleted(world):
    outsider = world.users["outsider"]
    db.session.execute(sa.delete(type(outsider)).where(type(outsider).id == outsider.id))
    db.session.commit()
    assert db.session.get(type(outsider), outsider.id) is None
