"""Translatable names of the domain's fixed values (statuses, roles, schemes, stances)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    # i18n: status of a deliberation, motion or summary being prepared
    "draft": _l("Draft"),
    # i18n: status of a deliberation or agenda item that accepts contributions
    "open": _l("Open"),
    # i18n: status of a deliberation or agenda item that no longer accepts contributions
    "closed": _l("Closed"),
    # i18n: status of an agenda item not yet opened
    "pending": _l("Pending"),
    "published": _l("Published"),
}

ROLE_LABELS = {
    "moderator": _l("Moderator"),
    "delegate": _l("Delegate"),
    "observer": _l("Observer"),
}

SCHEME_LABELS = {
    # i18n: voting scheme where every delegate's weight counts directly
    "members": _l("Weighted members"),
    # i18n: voting scheme where each stakeholder group counts by its share
    "groups": _l("Group parity"),
}


CHOICE_LABELS = {
    # i18n: a ballot choice
    "yes": _l("Yes"),
    # i18n: a ballot choice
    "no": _l("No"),
    # i18n: a ballot choice
    "abstain": _l("Abstain"),
    # i18n: a ballot choice under a consensus rule: a veto that stops the motion
    "block": _l("Block"),
}
OUTCOME_LABELS = {
    # i18n: outcome of a vote on a motion
    "adopted": _l("Adopted"),
    # i18n: outcome of a vote on a motion
    "rejected": _l("Rejected"),
    # i18n: outcome of a consensus vote in which at least one delegate blocked
    "blocked": _l("Blocked"),
    # i18n: outcome of a vote in which too few delegates or groups voted
    "no_quorum": _l("No quorum"),
}
RULE_LABELS = {
    "majority": _l("Simple majority"),
    "supermajority": _l("Supermajority"),
    "consensus": _l("Consensus"),
    # i18n: a rule needing a majority of the votes and a majority of the groups
    "double_majority": _l("Double majority"),
}


STANCE_LABELS = {
    # i18n: a reaction to a post
    "agree": _l("Agree"),
    # i18n: a reaction to a post
    "disagree": _l("Disagree"),
    # i18n: a reaction to a post: neither agree nor disagree
    "pass": _l("Pass"),
}


def stance_labels() -> dict[str, str]:
    """The reaction buttons' labels, in order, in the reader's language."""
    return {stance: str(label) for stance, label in STANCE_LABELS.items()}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def choice_label(choice: str) -> str:
    return str(CHOICE_LABELS.get(choice, choice))


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))


def scheme_label(scheme: str) -> str:
    return str(SCHEME_LABELS.get(scheme, scheme))


def reaction_script_strings() -> dict[str, str]:
    """The words of ``static/js/reactions.js`` ({name}-style placeholders), on every page
    where posts take reactions (the thread and the Common Ground view)."""
    return {
        "saved": _("Your reaction was recorded."),
        "failed": _("Your reaction was not recorded: %(message)s", message="{message}"),
        "published": _(
            "Version %(version)s of the summary was published in %(language)s.",
            version="{version}",
            language="{language}",
        ),
        "recomputed": _(
            "The agreement across all groups was recomputed from the latest reactions."
        ),
    }


def reaction_words() -> dict[str, str]:
    """The words of a line of reaction totals ("Reactions 3 agree · 1 disagree · 0 pass")."""
    return {
        "reactions": _("Reactions"),
        # i18n: after a count of reactions to a post, e.g. "3 agree"
        "agree": _("agree"),
        # i18n: after a count of reactions to a post, e.g. "3 disagree"
        "disagree": _("disagree"),
        # i18n: after a count of reactions to a post, e.g. "3 pass"
        "pass": _("pass"),
    }


def former_member_name(pseudonym: str | None) -> str:
    """How a member whose account was erased appears: "Former member" under their
    pseudonym in the deliberation (the one its records use)."""
    if not pseudonym:
        # i18n: a member who erased their account
        return _("Former member")
    # i18n: a member who erased their account, with their pseudonym (e.g. m-3fa2…)
    return _("Former member %(pseudonym)s", pseudonym=pseudonym)
