"""Writing and reading the append-only audit log of a deliberation (DESIGN §2, §7)."""

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from ..db import db, iso, lock_row, utcnow
from ..deliberations.models import Deliberation
from . import leaves, log
from .chain import GENESIS_HASH, event_body, first_broken_link, link_hash
from .models import AuditEvent

logger = logging.getLogger(__name__)


def record_event(
    deliberation,
    actor,
    action: str,
    target: str = "",
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the deliberation's chain and flush it; the caller commits.

    ``actor`` is the acting user (or None for the system); ``target`` names what was acted
    on as ``"kind:id"``; ``payload`` must be JSON-serialisable.
    """
    # Writers of one deliberation take turns: on PostgreSQL the row lock serialises them
    # until commit (SQLite's BEGIN IMMEDIATE already does), so no two events share a seq.
    lock_row(Deliberation.id, deliberation.id)
    last = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.deliberation_id == deliberation.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    actor_id = getattr(actor, "id", None)
    created_at = utcnow()
    payload = dict(payload or {})
    body = event_body(
        deliberation=deliberation.slug,
        seq=seq,
        actor=actor_id,
        action=action,
        target=target,
        payload=payload,
        created_at=iso(created_at),
    )
    event = AuditEvent(
        deliberation_id=deliberation.id,
        seq=seq,
        actor_id=actor_id,
        actor_name=getattr(actor, "name", "") or "",
        action=action,
        target=target,
        payload=payload,
        created_at=created_at,
        prev_hash=prev_hash,
        hash=link_hash(prev_hash, body),
    )
    db.session.add(event)
    db.session.flush()
    # Every audit event is also a leaf of the transparency log, committing to its hash.
    log.append(
        deliberation,
        action,
        target,
        leaves.audit_data(seq=seq, hash_=event.hash),
        at=created_at,
    )
    logger.info("audit %s #%s %s %s by user %s", deliberation.slug, seq, action, target, actor_id)
    return event


def audit_events(deliberation) -> list[AuditEvent]:
    """The deliberation's events in chain order."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.deliberation_id == deliberation.id)
            .order_by(AuditEvent.seq)
        )
    )


def chain_link(event: AuditEvent, deliberation_slug: str) -> dict:
    """An event as the plain mapping the chain functions verify."""
    return {
        **event_body(
            deliberation=deliberation_slug,
            seq=event.seq,
            actor=event.actor_id,
            action=event.action,
            target=event.target,
            payload=event.payload or {},
            created_at=iso(event.created_at),
        ),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def verify_deliberation_chain(deliberation) -> int | None:
    """The seq of the first stored event that fails verification, or None when intact."""
    links = [chain_link(e, deliberation.slug) for e in audit_events(deliberation)]
    broken = first_broken_link(links)
    return None if broken is None else links[broken]["seq"]
