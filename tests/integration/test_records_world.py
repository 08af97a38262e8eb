"""A deliberation with something of everything a record holds, built through the real
service functions (so the audit chain is the one the app writes), and checks of the builder.

``build_record_world(world)`` extends the ``world`` fixture's deliberation ``ai-2026``:

- two agenda items (the first with a French translation);
- posts: a top-level post (edited once, translated into French), a reply, a moderator's
  post, and a post that was edited, translated and reacted to before a moderator hid it —
  its texts carry the markers in ``HIDDEN_MARKERS``, which must never reach a reader;
- reactions from both groups;
- an open-ballot motion and a secret motion, both closed, and a draft motion;
- a draft summary (marker ``DRAFT_MARKER``) and a published one;
- an announcement;
- optionally (``close=True``) the deliberation closed.
"""

from dataclasses import dataclass

from conftest import make_item

from commonground.consensus import services as consensus
from commonground.consensus.services import react
from commonground.db import db
from commonground.deliberations.services import set_item_translation, update_deliberation
from commonground.discussion import services as discussion
from commonground.live.services import announce
from commonground.voting import services as voting

HIDDEN_MARKERS = ("SECRET-HIDDEN-TEXT", "SECRET-HIDDEN-ORIGINAL", "SECRET-HIDDEN-TRANSLATION")
DRAFT_MARKER = "DRAFT-ONLY-TEXT"
HIDE_REASON = "Off topic: personal attack"


@dataclass
class RecordWorld:
    """Ids of what ``build_record_world`` made."""

    slug: str
    item: int
    second_item: int
    top_post: int
    reply: int
    moderator_post: int
    hidden_post: int
    open_motion: int
    secret_motion: int
    draft_motion: int
    draft_summary: int
    published_summary: int


def build_record_world(world, *, close: bool = False) -> RecordWorld:
    """Fill ``world``'s deliberation with the record described above; everything committed."""
    users = world.users
    item = world.item
    second = make_item(world.deliberation, "Second item", body="Second *item* text.")
    set_item_translation(
        users["moderator"], item, language="fr", title="Premier point", body="Le texte."
    )
    db.session.commit()

    def post(role, body, parent=None, language="en"):
        created = discussion.create_post(
            users[role], item, body=body, parent=parent, language=language, rate_limited=False
        )
        db.session.commit()
        return created

    top = post("delegate", "We **agree** on transparency.")
    discussion.edit_post(users["delegate"], top, body="We **agree** on transparency, mostly.")
    discussion.translate_post(
        users["delegate2"], top, language="fr", body="Nous sommes d'accord.", rate_limited=False
    )
    db.session.commit()
    reply = post("delegate2", "Civil society agrees too.", parent=top.id)
    moderator_post = post("moderator", "Please keep to the agenda.")
    hidden = post("delegate2", HIDDEN_MARKERS[1])
    discussion.edit_post(users["delegate2"], hidden, body=HIDDEN_MARKERS[0])
    discussion.translate_post(
        users["delegate"], hidden, language="fr", body=HIDDEN_MARKERS[2], rate_limited=False
    )
    db.session.commit()

    for role, target, stance in (
        ("delegate", top, "agree"),
        ("delegate2", top, "agree"),
        ("moderator", top, "pass"),
        ("delegate", reply, "agree"),
        ("delegate2", moderator_post, "disagree"),
        ("delegate", hidden, "disagree"),
    ):
        react(users[role], target, stance)
        db.session.commit()
    discussion.hide_post(users["moderator"], hidden, reason=HIDE_REASON)
    db.session.commit()

    def motion(text, *, secret, ballots):
        created = voting.create_motion(
            users["moderator"], item, text=text, rule={"kind": "majority"}, secret=secret
        )
        db.session.commit()
        if ballots is None:
            return created
        voting.open_motion(users["moderator"], created)
        db.session.commit()
        for role, choice in ballots:
            voting.cast_ballot(users[role], created, choice)
            db.session.commit()
        voting.close_motion(users["moderator"], created)
        db.session.commit()
        return created

    open_motion = motion(
        "Adopt the transparency principle.",
        secret=False,
        ballots=[("delegate", "yes"), ("delegate2", "no")],
    )
    secret_motion = motion(
        "Elect the rapporteur.", secret=True, ballots=[("delegate", "no"), ("delegate2", "yes")]
    )
    draft_motion = motion("A motion still in draft.", secret=False, ballots=None)

    draft = consensus.create_summary(
        users["moderator"], item, language="en", agreements=DRAFT_MARKER
    )
    db.session.commit()
    published = consensus.create_summary(
        users["moderator"],
        item,
        language="en",
        agreements="Everyone supports **transparency**.",
        divergences="How fast to get there.",
        recommendations=f"Publish a timeline. See [post #{top.id}].",
    )
    db.session.commit()
    consensus.publish_summary(users["moderator"], published)
    db.session.commit()

    announce(users["moderator"], world.deliberation, text="Break until 14:00.", language="en")
    db.session.commit()
    if close:
        update_deliberation(users["moderator"], world.deliberation, status="closed")
        db.session.commit()
    return RecordWorld(
        slug=world.deliberation.slug,
        item=item.id,
        second_item=second.id,
        top_post=top.id,
        reply=reply.id,
        moderator_post=moderator_post.id,
        hidden_post=hidden.id,
        open_motion=open_motion.id,
        secret_motion=secret_motion.id,
        draft_motion=draft_motion.id,
        draft_summary=draft.id,
        published_summary=published.id,
    )


# --- the builder itself ----------------------------------------------------------------------


def test_the_record_world_writes_an_intact_audit_chain(app, world):
    from commonground.records.audit import audit_events, verify_deliberation_chain

    build_record_world(world, close=True)
    actions = [event.action for event in audit_events(world.deliberation)]
    assert verify_deliberation_chain(world.deliberation) is None
    for action in ("post.hide", "motion.close", "summary.publish", "deliberation.status"):
        assert action in actions
