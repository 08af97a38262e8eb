"""Every model, imported in one place so Alembic and the app see the whole schema."""

from .accounts.models import ApiToken, Invitation, PasswordReset, User
from .consensus.models import ConsensusSummary
from .deliberations.models import (
    AgendaItem,
    AgendaItemTranslation,
    Deliberation,
    Membership,
    StakeholderGroup,
)
from .discussion.models import (
    Post,
    PostRevision,
    PostTranslation,
    Reaction,
    RedactionRequest,
)
from .live.models import Announcement, FloorRequest, SessionState
from .notifications.models import Notification, NotificationSettings
from .records.models import AuditEvent, LogLeaf, LogNode, LogState
from .voting.models import Ballot, Motion, MotionGroup, MotionVoter

__all__ = [
    "AgendaItem",
    "AgendaItemTranslation",
    "Announcement",
    "ApiToken",
    "AuditEvent",
    "Ballot",
    "ConsensusSummary",
    "Deliberation",
    "FloorRequest",
    "Invitation",
    "LogLeaf",
    "LogNode",
    "LogState",
    "Membership",
    "Motion",
    "MotionGroup",
    "MotionVoter",
    "Notification",
    "NotificationSettings",
    "PasswordReset",
    "Post",
    "PostRevision",
    "PostTranslation",
    "Reaction",
    "RedactionRequest",
    "SessionState",
    "StakeholderGroup",
    "User",
]
