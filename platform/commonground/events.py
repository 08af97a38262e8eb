"""The facts capabilities tell each other: blinker signals (Flask's own dependency).

A capability never calls another capability's services. When something happens that others
care about, the service that did it sends one of these signals, inside its transaction and
after its flush; the other capabilities connect their receivers in their own ``init_app``
(Indico's ``signals`` are the model). Receivers run synchronously, in the same transaction:
whatever they change commits or rolls back with the change that caused it, and whatever
they emit leaves after the commit (``realtime.emitting``).

Each signal's sender is the object the fact is about; the keyword arguments are listed
beside it. Who listens is written in the README's *Contributing* section; ``grep -rn
"events\\.<name>.connect"`` finds them.
"""

from blinker import Namespace

_signals = Namespace()

#: An agenda item's status or lock changed (deliberations). Sender: the ``AgendaItem``;
#: ``changes``: ``{"status": (old, new)?, "locked": (old, new)?}``.
item_state_changed = _signals.signal("item-state-changed")

#: A membership's role, group, weight or muting changed (deliberations). Sender: the
#: ``Membership``; ``actor``; ``changes``: ``{name: (old, new)}`` (``group`` as group keys).
member_updated = _signals.signal("member-updated")

#: A member was removed (deliberations). Sender: the ``Deliberation``; ``user_id``,
#: ``membership_id``.
member_removed = _signals.signal("member-removed")

#: Asked before a member is removed: has this member taken part? Sender: the
#: ``Membership``. Each receiver returns True if the member left something in its records.
member_took_part = _signals.signal("member-took-part")

#: Posts were created, flushed and given their ids and paths (discussion), one or a group
#: together. Sender: the ``AgendaItem``; ``posts``: the new ``Post``s in order, each with its
#: ``author`` (the ``Membership``, with its group) loaded. Receivers may mark a post before
#: it is announced.
posts_created = _signals.signal("posts-created")

#: A post's author changed its body or language; the previous body is kept as a revision
#: (discussion). Sender: the ``Post``; ``membership``.
post_edited = _signals.signal("post-edited")

#: A moderator acted on a post (discussion). Sender: the ``Post``; ``action``
#: (``"hidden"``), ``actor`` (the user), ``reason``.
post_moderated = _signals.signal("post-moderated")

#: A human translation of a post was added or replaced (discussion). Sender: the
#: ``PostTranslation``; ``post``, ``membership``.
post_translated = _signals.signal("post-translated")

#: A member's reaction to a post was set or changed, and flushed (consensus). Sender: the
#: ``Reaction``; ``post``, ``membership``, ``item``.
reaction_changed = _signals.signal("reaction-changed")

#: Ballots were cast or changed, and flushed (voting), one or a group together. Sender: the
#: ``Motion``; ``casts``: each cast as it was made (``voting.services.Cast``), in order.
ballots_cast = _signals.signal("ballots-cast")

#: A motion opened or closed (voting). Sender: the ``Motion``; ``status``: its new status.
motion_status_changed = _signals.signal("motion-status-changed")

#: A consensus summary version was published (consensus). Sender: the ``ConsensusSummary``.
summary_published = _signals.signal("summary-published")

#: Asked for a person's export of everything stored about them (accounts,
#: ``GET /api/v1/me/export``). Sender: the ``User``. Each capability's receiver returns a
#: mapping ``{section name: JSON value}`` of what it stores about them (or None); the export
#: is the union of the answers, so a new capability adds its section by connecting one.
personal_data_requested = _signals.signal("personal-data-requested")

#: A person erased their account (accounts): e-mail, name and password are gone, sessions
#: and tokens revoked. Sender: the ``User``; ``memberships``: their ``Membership``s (kept, so
#: records and tallies stay whole); ``redaction``: True when they asked that their posts'
#: text be replaced by a notice (a moderator of each deliberation decides).
user_erased = _signals.signal("user-erased")

#: A moderator approved a member's request to remove their posts' text (discussion). Sender:
#: the ``Post`` whose text was replaced by the notice, flushed; ``membership`` (its author),
#: ``moderator`` (the approving moderator's ``Membership``, None for an admin who is none).
post_redacted = _signals.signal("post-redacted")

#: A moderator gave the floor to a member in a live session (live). Sender: the speaker's
#: ``Membership``; ``item``, ``actor``.
floor_granted = _signals.signal("floor-granted")

#: A signed-in member opened an agenda item's page (deliberations). Sender: the
#: ``AgendaItem``; ``user``.
item_opened = _signals.signal("item-opened")

#: A socket disconnected (realtime). Sender: the socket id.
socket_disconnected = _signals.signal("socket-disconnected")


def answers(results: list[tuple]) -> list:
    """The non-None values the receivers of a ``send`` returned (Indico's
    ``values_from_signal``)."""
    return [value for _receiver, value in results if value is not None]
