"""The pure rules of notifications (handles, mentions, wanted kinds) and of password reset
links (who may issue one), with property-based checks of their invariants."""

from hypothesis import given
from hypothesis import strategies as st

from commonground.accounts.rules import may_issue_password_reset
from commonground.notifications.models import KINDS
from commonground.notifications.rules import (
    MAX_MENTIONS,
    handle_key,
    handle_of,
    mentioned_handles,
    wanted,
)


def test_handles_of_names_in_every_script():
    assert handle_of("Amina K. Diallo") == "Amina_K_Diallo"
    assert handle_of("李明") == "李明"
    assert handle_of("فاطمة الزهراء") == "فاطمة_الزهراء"
    assert handle_of("  Jean-Luc  ") == "Jean_Luc"
    assert handle_of("...") is None


def test_mentions_are_found_in_any_case_but_not_in_email_addresses():
    text = "Thanks @Amina_K_Diallo and @李明! Write to amina@example.org or @@nobody."
    assert mentioned_handles(text) == {"amina_k_diallo", "李明"}
    assert mentioned_handles("@AMINA_k_diallo") == {handle_key("Amina_K_Diallo")}


def test_mentions_are_capped():
    text = " ".join(f"@member{n}" for n in range(MAX_MENTIONS * 3))
    assert len(mentioned_handles(text)) == MAX_MENTIONS


names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
)


@given(
    name=names,
    before=st.sampled_from(["", " ", "\n", "(", "« "]),
    after=st.sampled_from(["", " ", ".", ",", "!"]),
)
def test_the_handle_of_any_name_mentions_that_name(name, before, after):
    handle = handle_of(name)
    if handle is None:
        return
    assert handle_key(handle) in mentioned_handles(f"{before}@{handle}{after}")


@given(name=names)
def test_a_handle_is_stable_and_has_no_spaces(name):
    handle = handle_of(name)
    if handle is not None:
        assert handle_of(handle) == handle
        assert not any(character.isspace() for character in handle)


@given(kind=st.sampled_from(KINDS), muted=st.sets(st.sampled_from(KINDS)))
def test_a_kind_is_wanted_unless_switched_off(kind, muted):
    assert wanted(kind, muted) is (kind not in muted)
    assert wanted(kind, None)


ids = st.integers(min_value=1, max_value=6)
deliberations = st.frozensets(st.integers(min_value=1, max_value=5), max_size=5)


@given(
    actor=ids,
    target=ids,
    actor_is_admin=st.booleans(),
    target_is_admin=st.booleans(),
    moderates=deliberations,
    member_of=deliberations,
)
def test_a_reset_link_never_gives_a_moderator_more_than_they_have(
    actor, target, actor_is_admin, target_is_admin, moderates, member_of
):
    allowed = may_issue_password_reset(
        actor_id=actor,
        actor_is_admin=actor_is_admin,
        actor_moderates=moderates,
        target_id=target,
        target_is_admin=target_is_admin,
        target_deliberations=member_of,
    )
    if actor_is_admin:
        assert allowed
    elif allowed:
        assert not target_is_admin
        assert actor != target
        assert member_of and member_of <= moderates


def test_a_moderator_may_issue_a_link_for_a_member_of_their_own_deliberations_only():
    base = {"actor_id": 1, "actor_is_admin": False, "target_id": 2, "target_is_admin": False}
    assert may_issue_password_reset(**base, actor_moderates={1, 2}, target_deliberations={1})
    assert not may_issue_password_reset(**base, actor_moderates={1}, target_deliberations={1, 3})
    assert not may_issue_password_reset(**base, actor_moderates={1}, target_deliberations=set())
