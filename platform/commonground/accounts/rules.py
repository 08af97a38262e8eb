"""Pure rules of accounts (no Flask, no database)."""


def may_issue_password_reset(
    *,
    actor_id: int,
    actor_is_admin: bool,
    actor_moderates: frozenset[int] | set[int],
    target_id: int,
    target_is_admin: bool,
    target_deliberations: frozenset[int] | set[int],
) -> bool:
    """Whether a moderator (or admin) may issue a password reset link for another account.

    Whoever holds the link can act as the account's owner, so a moderator may issue one only
    for an account that can do nothing the moderator cannot already do: not an admin, not
    themselves, and a member only of deliberations the moderator moderates. Admins may
    issue one for anyone.
    """
    if actor_is_admin:
        return True
    if target_is_admin or target_id == actor_id:
        return False
    return bool(target_deliberations) and set(target_deliberations) <= set(actor_moderates)
