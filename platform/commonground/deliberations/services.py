"""Deliberation actions: one function per action, shared by pages, API and CLI."""

import sqlalchemy as sa

from ..extensions import db
from .access import can_read
from .models import Deliberation


def readable_deliberations(user) -> list[Deliberation]:
    """Every deliberation the user may read, newest first."""
    deliberations = db.session.scalars(
        sa.select(Deliberation).order_by(Deliberation.created_at.desc(), Deliberation.id.desc())
    )
    return [d for d in deliberations if can_read(user, d)]
