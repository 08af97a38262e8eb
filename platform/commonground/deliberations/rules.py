"""The participation rule: who may take part in what, now (pure: no Flask, no database).

One rule for every way of taking part — posting, reacting, voting, translating a post and
asking for the floor — so the discussion, the reactions, the ballot box and the live session
can never disagree about whether a deliberation or an item is open. ``access.py`` turns the
answer into the error a user sees.

The state of the deliberation and the item comes first (it concerns everyone), then the
person's own standing. What each action needs:

========== ================ ============ ======= ============ ===== =========================
action     deliberation     item         lock    membership   muted observers
========== ================ ============ ======= ============ ===== =========================
post       open             open         stops   needed       stops only if allowed to post
speak      open             open         stops   needed       stops only if allowed to post
translate  open             (any)        —       needed       stops only if allowed to post
react      open             open         —       needed       stops only if allowed to post
vote       open             open         —       (electorate) —     (electorate)
========== ================ ============ ======= ============ ===== =========================

Voting leaves membership to the motion's electorate, snapshotted when it opened: a delegate
muted in the debate keeps their vote, and who may vote is decided by the snapshot alone.
"""

ACTIONS = ("post", "speak", "translate", "react", "vote")

#: The refusals, in the order they are checked.
REFUSALS = (
    "deliberation_closed",
    "deliberation_not_open",
    "item_closed",
    "item_not_open",
    "item_locked",
    "unauthorized",
    "not_a_member",
    "muted",
    "observer",
)

_NEEDS_OPEN_ITEM = frozenset({"post", "speak", "react", "vote"})
_STOPPED_BY_LOCK = frozenset({"post", "speak"})
_NEEDS_MEMBERSHIP = frozenset({"post", "speak", "translate", "react"})
#: Observers read; they take part — post, speak, translate, react — only where the
#: deliberation lets them (``observers_may_post``).
_OBSERVERS_ONLY_IF_ALLOWED = frozenset({"post", "speak", "translate", "react"})


def participation_refusal(
    action: str,
    *,
    deliberation_status: str,
    item_status: str | None = None,
    locked: bool = False,
    signed_in: bool,
    role: str | None,
    muted: bool = False,
    observers_may_post: bool = False,
) -> str | None:
    """The code of the first reason ``action`` is refused now, or None if it is allowed.

    ``item_status`` and ``locked`` describe the agenda item acted on (None for translating,
    which concerns a post of any item); ``role`` is the person's role in the deliberation,
    None when they are not a member.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if deliberation_status == "closed":
        return "deliberation_closed"
    if deliberation_status != "open":
        return "deliberation_not_open"
    if action in _NEEDS_OPEN_ITEM:
        if item_status == "closed":
            return "item_closed"
        if item_status != "open":
            return "item_not_open"
    if action in _STOPPED_BY_LOCK and locked:
        return "item_locked"
    if action not in _NEEDS_MEMBERSHIP:
        return None
    if not signed_in:
        return "unauthorized"
    if role is None:
        return "not_a_member"
    if muted:
        return "muted"
    if action in _OBSERVERS_ONLY_IF_ALLOWED and role == "observer" and not observers_may_post:
        return "observer"
    return None
