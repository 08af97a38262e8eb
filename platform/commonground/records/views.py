"""What the records capability adds to pages: the deliberation's signed log head, shown on
the deliberation page (``templates/records/_log_head.html``) for readers to note or publish.

The page belongs to ``deliberations``, which never reads the log itself: it includes the
fragment when this helper is in the template context.
"""

from . import log, signing
from .pseudonyms import membership_name


def log_template_helpers() -> dict:
    """``log_head(deliberation)`` and ``member_name(membership)`` ("Former member" under
    the pseudonym, for an erased account) for templates."""
    return {"log_head": page_head, "member_name": membership_name}


def page_head(deliberation) -> dict:
    """The head as the page shows it: size, time of the last leaf, the signed head."""
    head = log.tree_head(deliberation)
    state = log.state_of(deliberation)
    return {
        "size": head.size,
        "time": state.updated_at if state is not None else None,
        "signed": signing.signed(head.to_json()),
    }
