"""Write a checked Pol.is export as one agenda item (DESIGN §7, issue 5): the second pass.

:func:`write_conversation` takes what :func:`.polis_read.check_export` learned and makes of it:

- the deliberation SLUG, created when it does not exist, with one stakeholder group per Pol.is
  opinion group (``group-0``, ``group-1``, …) and, for participants Pol.is placed in none, a
  group keyed ``ungrouped``;
- one agenda item titled by the conversation's topic (closed: the conversation is over), with
  the CC BY attribution the data's licence asks for;
- every participant as a delegate (an account that cannot sign in:
  ``polis-<conversation>-<participant>@import.invalid``, no password);
- every comment as a post (comments moderated out, ``moderated = -1``, as hidden posts);
- every participant's latest vote on a comment (by timestamp) as a reaction: 1 agree,
  -1 disagree, 0 pass. The ``agrees``/``disagrees`` columns of ``comments.csv`` also count
  superseded votes and are ignored.

Everything happens in the caller's transaction. Votes go to the database in batches: each
batch is merged with the reactions already stored (the later timestamp wins), so memory stays
flat however many votes there are — only the participant and comment id maps grow, with the
conversation's size.

Idempotent: participants and comments are found again by ``Membership.external_id`` /
``Post.external_id``, reactions by (post, member) and compared before writing, so a second run
changes nothing (and writes no audit event).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import fields
from ..accounts.auth import new_session_nonce
from ..accounts.models import User
from ..db import db
from ..deliberations.models import AgendaItem, Deliberation, Membership, StakeholderGroup
from ..deliberations.queries import next_item_position
from ..discussion.models import Post, Reaction
from ..discussion.rules import child_path
from ..errors import Conflict
from . import leaves
from . import log as transparency_log
from .audit import record_event
from .polis_read import Conversation, Progress, read_comments, read_votes

logger = logging.getLogger(__name__)

UNGROUPED = "ungrouped"
#: The licence's attribution (from the data's README), kept with the imported item.
ATTRIBUTION = (
    "Data was gathered using the Polis software (compdemocracy.org/polis) and is sub-licensed "
    "under CC BY 4.0 with Attribution to The Computational Democracy Project."
)
#: Votes merged with the database per round trip.
BATCH_SIZE = 2_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class ImportReport:
    """What an import created or changed (all zeros: the data was there already)."""

    deliberation: str
    item: int
    deliberation_created: bool = False
    item_created: bool = False
    groups_created: int = 0
    users_created: int = 0
    members_created: int = 0
    members_changed: int = 0
    posts_created: int = 0
    posts_changed: int = 0
    reactions_created: int = 0
    reactions_changed: int = 0
    votes_read: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.deliberation_created,
                self.item_created,
                self.groups_created,
                self.users_created,
                self.members_created,
                self.members_changed,
                self.posts_created,
                self.posts_changed,
                self.reactions_created,
                self.reactions_changed,
            )
        )


def _moment(milliseconds: int) -> datetime:
    # Exact (no float): a stored timestamp compares equal to the same vote read again.
    return _EPOCH + timedelta(milliseconds=milliseconds)


def _group_key(group_id: int | None) -> str:
    return UNGROUPED if group_id is None else f"group-{group_id}"


def _group_name(group_id: int | None) -> str:
    if group_id is None:
        return "Not in an opinion group"
    # Pol.is labels its opinion groups A, B, C …
    letter = chr(ord("A") + group_id) if group_id < 26 else str(group_id)
    return f"Pol.is opinion group {letter}"


def _deliberation(slug: str, conversation: Conversation, language: str, report: ImportReport):
    deliberation = db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == slug))
    if deliberation is None:
        deliberation = Deliberation(
            slug=slug,
            title=conversation.topic[:200],
            description=conversation.description,
            source_language=language,
            languages=[language],
            status="open",
            scheme="groups",
        )
        db.session.add(deliberation)
        db.session.flush()
        report.deliberation_created = True
    elif deliberation.is_closed:
        raise Conflict(
            _("The deliberation %(slug)s is closed: nothing can be imported into it.", slug=slug)
        )
    return deliberation


def _groups(deliberation: Deliberation, conversation: Conversation, report: ImportReport):
    """group id (None: ungrouped) → StakeholderGroup, creating the missing ones."""
    existing = {group.key: group for group in deliberation.groups}
    wanted: list[int | None] = [*conversation.group_ids]
    if conversation.has_ungrouped:
        wanted.append(None)
    position = max((group.position for group in existing.values()), default=-1) + 1
    groups = {}
    for group_id in wanted:
        key = _group_key(group_id)
        group = existing.get(key)
        if group is None:
            group = StakeholderGroup(
                deliberation=deliberation,
                key=key,
                name=_group_name(group_id),
                share=1,
                position=position,
            )
            db.session.add(group)
            position += 1
            report.groups_created += 1
        groups[group_id] = group
    db.session.flush()
    return groups


def _item(deliberation: Deliberation, conversation: Conversation, language: str, report):
    title = conversation.topic[:300]
    item = db.session.scalar(
        sa.select(AgendaItem).where(
            AgendaItem.deliberation_id == deliberation.id, AgendaItem.title == title
        )
    )
    if item is None:
        position = next_item_position(deliberation)
        source = f" Source: {conversation.url}" if conversation.url else ""
        item = AgendaItem(
            deliberation=deliberation,
            position=position,
            title=title,
            body=conversation.description,
            language=language,
            status="closed",
            attribution=ATTRIBUTION + source,
        )
        db.session.add(item)
        db.session.flush()
        report.item_created = True
    return item


def _accounts(
    conversation: Conversation, participants: list[str], report: ImportReport
) -> dict[str, User]:
    """participant id → the account standing for them, found by its email or created (with
    no password: it cannot sign in), flushed."""
    emails = {p: f"polis-{conversation.key}-{p}@import.invalid" for p in participants}
    users: dict[str, User] = {}
    for start in range(0, len(participants), 500):
        chunk = [emails[p] for p in participants[start : start + 500]]
        for user in db.session.scalars(sa.select(User).where(User.email.in_(chunk))):
            users[user.email] = user
    for participant in participants:
        if emails[participant] not in users:
            user = User(
                email=emails[participant],
                name=f"Pol.is participant {participant}",
                password_hash=None,
                session_nonce=new_session_nonce(),
            )
            db.session.add(user)
            users[emails[participant]] = user
            report.users_created += 1
    db.session.flush()
    return {p: users[emails[p]] for p in participants}


def _members(
    deliberation: Deliberation, conversation: Conversation, groups: dict, report: ImportReport
) -> dict[str, int]:
    """participant id → membership id, creating accounts and memberships as needed."""
    prefix = f"polis:{conversation.key}:"
    memberships = {
        m.external_id: m
        for m in db.session.scalars(
            sa.select(Membership).where(
                Membership.deliberation_id == deliberation.id,
                Membership.external_id.startswith(prefix, autoescape=True),
            )
        )
    }
    missing = [p for p in conversation.participants if prefix + p not in memberships]
    accounts = _accounts(conversation, missing, report)
    # An account may already be a member (imported before without an external id).
    by_user = {
        m.user_id: m
        for m in db.session.scalars(
            sa.select(Membership).where(
                Membership.deliberation_id == deliberation.id,
                Membership.user_id.in_([accounts[p].id for p in missing] or [0]),
            )
        )
    }
    for participant in missing:
        user = accounts[participant]
        membership = by_user.get(user.id)
        if membership is None:
            membership = Membership(
                deliberation=deliberation, user_id=user.id, role="delegate", weight=1
            )
            db.session.add(membership)
            report.members_created += 1
        else:
            report.members_changed += 1
        membership.external_id = prefix + participant
        membership.group_id = groups[conversation.participants[participant]].id
        memberships[prefix + participant] = membership
    for participant, group_id in conversation.participants.items():
        membership = memberships[prefix + participant]
        group = groups[group_id]
        if membership.group_id != group.id:
            membership.group_id = group.id
            report.members_changed += 1
    db.session.flush()
    return {p: memberships[prefix + p].id for p in conversation.participants}


def _posts(
    item: AgendaItem,
    conversation: Conversation,
    members: dict[str, int],
    language: str,
    report: ImportReport,
) -> dict[str, int]:
    """comment id → post id, creating the missing posts."""
    prefix = f"polis:{conversation.key}:"
    posts = {
        post.external_id: post
        for post in db.session.scalars(
            sa.select(Post).where(
                Post.item_id == item.id, Post.external_id.startswith(prefix, autoescape=True)
            )
        )
    }
    reason = _("Moderated out in Pol.is")
    created = []
    for comment in read_comments(conversation):
        hidden = comment.moderated_out
        post = posts.get(prefix + comment.id)
        if post is None:
            moment = _moment(comment.timestamp)
            post = Post(
                item_id=item.id,
                author_id=members[comment.author],
                body=comment.body,
                language=language,
                path="",
                created_at=moment,
                hidden=hidden,
                hidden_reason=reason if hidden else None,
                hidden_at=moment if hidden else None,
                external_id=prefix + comment.id,
            )
            db.session.add(post)
            posts[prefix + comment.id] = post
            created.append(post)
        elif post.hidden != hidden and post.hidden_by_id is None:
            # Moderated in Pol.is since the last import (a moderator's hiding here stays).
            post.hidden = hidden
            post.hidden_reason = reason if hidden else None
            post.hidden_at = post.created_at if hidden else None
            report.posts_changed += 1
    db.session.flush()  # ids first: they are the paths
    for post in created:
        post.path = child_path(None, post.id)
    db.session.flush()
    # Bulk-written rows bypass the services' signals: their leaves are appended here.
    deliberation = item.deliberation
    key = transparency_log.pseudonym_key(deliberation.id)
    transparency_log.append_many(
        deliberation,
        (
            (
                leaves.POST_CREATE,
                f"post:{post.id}",
                leaves.post_created_data(
                    item=item.id,
                    parent=None,
                    author=leaves.pseudonym(key, post.author_id),
                    language=post.language,
                    body=post.body,
                ),
                post.created_at,
            )
            for post in created
        ),
    )
    report.posts_created = len(created)
    return {external[len(prefix) :]: post.id for external, post in posts.items()}


def _merge_votes(
    deliberation: Deliberation,
    batch: dict[tuple[int, int], tuple[int, str]],
    report: ImportReport,
) -> None:
    """Store a batch of latest votes: new reactions inserted, later ones updated, each with
    its leaf in the deliberation's log."""
    post_ids = {post for post, _ in batch}
    member_ids = {member for _, member in batch}
    stored = {}
    for reaction_id, post_id, member_id, stance, updated_at in db.session.execute(
        sa.select(
            Reaction.id,
            Reaction.post_id,
            Reaction.membership_id,
            Reaction.stance,
            Reaction.updated_at,
        ).where(Reaction.post_id.in_(post_ids), Reaction.membership_id.in_(member_ids))
    ):
        if (post_id, member_id) in batch:
            stored[(post_id, member_id)] = (reaction_id, stance, updated_at)
    inserts, updates, changes = [], [], []
    for (post_id, member_id), (milliseconds, stance) in batch.items():
        moment = _moment(milliseconds)
        known = stored.get((post_id, member_id))
        if known is None:
            inserts.append(
                {
                    "post_id": post_id,
                    "membership_id": member_id,
                    "stance": stance,
                    "updated_at": moment,
                }
            )
        elif moment >= known[2] and (stance, moment) != (known[1], known[2]):
            updates.append({"id": known[0], "stance": stance, "updated_at": moment})
        else:
            continue
        changes.append((moment, post_id, member_id, stance))
    if inserts:
        db.session.execute(sa.insert(Reaction), inserts)
    if updates:
        db.session.execute(sa.update(Reaction), updates)
    report.reactions_created += len(inserts)
    report.reactions_changed += len(updates)
    key = transparency_log.pseudonym_key(deliberation.id)
    transparency_log.append_many(
        deliberation,
        (
            (
                leaves.REACTION_CHANGE,
                f"post:{post_id}",
                leaves.reaction_data(
                    post=post_id, member=leaves.pseudonym(key, member_id), stance=stance
                ),
                moment,
            )
            for moment, post_id, member_id, stance in sorted(changes)
        ),
    )


def _reactions(
    deliberation: Deliberation,
    conversation: Conversation,
    members: dict[str, int],
    posts: dict[str, int],
    report: ImportReport,
    progress: Progress | None,
) -> None:
    """Every participant's latest vote per comment as their reaction, in batches.

    Within a batch the later timestamp wins (on equal timestamps, the later row); against
    the database, a stored reaction changes only for a vote at least as late as it.
    """
    batch: dict[tuple[int, int], tuple[int, str]] = {}
    for vote in read_votes(conversation):
        key = (posts[vote.comment], members[vote.voter])
        if key not in batch or vote.timestamp >= batch[key][0]:
            batch[key] = (vote.timestamp, vote.stance)
        report.votes_read += 1
        if progress:
            progress(1)
        if len(batch) >= BATCH_SIZE:
            _merge_votes(deliberation, batch, report)
            batch = {}
    if batch:
        _merge_votes(deliberation, batch, report)


def write_conversation(
    conversation: Conversation,
    slug: str,
    *,
    language: str = "en",
    progress: Progress | None = None,
) -> ImportReport:
    """Write a checked export into deliberation ``slug`` (flushed; the caller commits).

    ``progress`` is called with 1 per vote row stored.
    """
    slug = fields.slug(slug, "deliberation")
    language = fields.language(language)
    report = ImportReport(slug, 0)
    deliberation = _deliberation(slug, conversation, language, report)
    groups = _groups(deliberation, conversation, report)
    item = _item(deliberation, conversation, language, report)
    report.item = item.id
    members = _members(deliberation, conversation, groups, report)
    posts = _posts(item, conversation, members, language, report)
    _reactions(deliberation, conversation, members, posts, report, progress)
    db.session.flush()
    if report.changed:
        record_event(
            deliberation,
            None,
            "polis.import",
            f"item:{item.id}",
            {
                "conversation": conversation.key,
                "url": conversation.url,
                "members_created": report.members_created,
                "posts_created": report.posts_created,
                "reactions_created": report.reactions_created,
                "reactions_changed": report.reactions_changed,
            },
        )
    logger.info("Pol.is %s imported into %s: %s", conversation.key, slug, report)
    return report
