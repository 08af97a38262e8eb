"""What a leaf of the transparency log says: pure functions over plain values (no database,
no Flask), shared by the log that writes leaves and the verifier that checks them.

A leaf's entry is canonical JSON (:func:`~.chain.canonical_json`)::

    {"at": ISO time, "data": {...}, "deliberation": slug, "event": name,
     "leaf": index, "subject": "kind:id"}

and its hash in the tree is ``SHA-256(0x00 || entry)`` (:func:`~.merkle.leaf_hash`). The
entry names its own index and deliberation, so a leaf cannot be moved to another place or
another log. Content never goes into a leaf, only its SHA-256 (a post's body, a
translation): the log can be published whole, to every reader, while hidden text stays
withheld — and the record's content must still hash to what the log committed to.

Members appear under keyed pseudonyms (:func:`pseudonym`), never database ids; a secret
ballot's leaf holds the motion and the ballot's receipt only, never the voter beside the
choice.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from .chain import canonical_json
from .merkle import append_to_frontier, leaf_hash

#: Version of the leaves' shape, in the record's ``log`` member.
LEAF_FORMAT = "commonground-log/1"

#: Events the discussion, consensus and voting signals write (the audit chain's actions
#: are leaves too, under their own names).
POST_CREATE = "post.create"
POST_EDIT = "post.edit"
POST_TRANSLATE = "post.translate"
REACTION_CHANGE = "reaction.change"
#: A post's text (every version, and its translations) replaced by a notice, at the author's
#: request with a moderator's agreement: from this leaf on, the record holds the notice.
POST_REDACT = "post.redact"
BALLOT_CAST = "ballot.cast"


def entry(
    *, deliberation: str, leaf: int, event: str, subject: str, at: str, data: dict[str, Any]
) -> dict:
    """A leaf's entry as a plain mapping."""
    return {
        "at": at,
        "data": dict(data),
        "deliberation": deliberation,
        "event": event,
        "leaf": leaf,
        "subject": subject,
    }


def entry_hash(value: dict) -> bytes:
    """The leaf hash of an entry: ``SHA-256(0x00 || canonical_json(entry))``."""
    return leaf_hash(canonical_json(value))


def content_sha256(text: str) -> str:
    """The SHA-256 (hex) of a text as UTF-8: what a leaf commits to instead of content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pseudonym(key: str, membership_id: int) -> str:
    """A member's pseudonym in a deliberation: ``HMAC-SHA256(key, "member:<id>")``, first 16
    hex digits — stable for as long as the deliberation's key, and meaningless without it."""
    message = f"member:{membership_id}".encode()
    return "m-" + hmac.new(bytes.fromhex(key), message, hashlib.sha256).hexdigest()[:16]


def post_created_data(
    *, item: int, parent: int | None, author: str, language: str, body: str
) -> dict:
    """A new post: where, by whom (pseudonym), in which language, and its body's hash."""
    return {
        "item": item,
        "parent": parent,
        "author": author,
        "language": language,
        "body_sha256": content_sha256(body),
    }


def post_edited_data(*, revision: int, language: str, body: str) -> dict:
    """A post's ``revision``-th edit (1 for the first): its new language and body hash."""
    return {"revision": revision, "language": language, "body_sha256": content_sha256(body)}


def post_translated_data(*, language: str, translator: str, body: str) -> dict:
    """A human translation of a post, added or replaced."""
    return {"language": language, "translator": translator, "body_sha256": content_sha256(body)}


def post_redacted_data(*, author: str, moderator: str | None, body: str) -> dict:
    """A post's text removed at its author's request: who asked (the author's pseudonym),
    which moderator agreed, and the hash of the notice that stands in its place."""
    return {"author": author, "moderator": moderator, "body_sha256": content_sha256(body)}


def reaction_data(*, post: int, member: str, stance: str) -> dict:
    """A member's reaction to a post (latest wins)."""
    return {"post": post, "member": member, "stance": stance}


def ballot_data(
    *, motion: int, receipt: str, secret: bool, member: str, choice: str, sequence: int
) -> dict:
    """A ballot cast or changed. Secret motions: the receipt commitment only."""
    if secret:
        return {"motion": motion, "receipt": receipt}
    return {
        "motion": motion,
        "receipt": receipt,
        "member": member,
        "choice": choice,
        "sequence": sequence,
    }


def audit_data(*, seq: int, hash_: str) -> dict:
    """An audit event folded into the log: the leaf commits to the event's chain hash, which
    covers its actor, target and payload."""
    return {"audit_seq": seq, "audit_hash": hash_}


def appended_leaves(
    deliberation_id: int, slug: str, size: int, frontier: list[bytes], events, iso
) -> tuple[list[dict], list[dict], list[bytes]]:
    """The rows of ``events`` — ``(event, subject, data, at)`` each, in order — appended to
    a log of ``size`` leaves whose frontier is ``frontier``: the leaves' rows, the rows of
    the complete subtrees they complete, and the new frontier. ``iso(at)`` writes a time.
    Pure, for the log and for the migration that backfilled it alike."""
    leaf_rows, node_rows = [], []
    for event, subject, data, at in events:
        value = entry(
            deliberation=slug, leaf=size, event=event, subject=subject, at=iso(at), data=data
        )
        text = canonical_json(value)
        digest = leaf_hash(text)
        frontier, completed = append_to_frontier(frontier, size, digest)
        leaf_rows.append(
            {
                "deliberation_id": deliberation_id,
                "leaf_index": size,
                "event": event,
                "subject": subject,
                "entry": text.decode("utf-8"),
                "hash": digest.hex(),
                "created_at": at,
            }
        )
        node_rows.extend(
            {"deliberation_id": deliberation_id, "level": lv, "position": p, "hash": node}
            for lv, p, node in completed
        )
        size += 1
    return leaf_rows, node_rows, frontier
