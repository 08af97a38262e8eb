"""Names of Socket.IO rooms (DESIGN §5). One place, so emitters and joiners agree."""


def item_room(item_id: int) -> str:
    """Everyone viewing an agenda item's thread."""
    return f"item:{item_id}"


def deliberation_room(slug: str) -> str:
    """Everyone following a deliberation's live session."""
    return f"deliberation:{slug}"


def user_room(user_id: int) -> str:
    """Every socket of one user (all tabs, all server processes)."""
    return f"user:{user_id}"
