"""The small rules behind translations that stay true and reactions "before the edit":
pure comparisons, checked over every case."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from commonground.consensus.reactions import reacted_before_edit
from commonground.discussion.models import PostTranslation

revisions = st.integers(min_value=1, max_value=10_000)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


@given(source=revisions, current=revisions)
def test_a_translation_is_outdated_exactly_when_the_post_moved_past_its_revision(source, current):
    translation = PostTranslation(source_revision=source)
    assert translation.is_outdated(current) == (source < current)


@given(reacted=moments, edited=st.none() | moments)
def test_a_reaction_predates_the_edit_only_when_given_strictly_before_it(reacted, edited):
    post = SimpleNamespace(edited_at=edited)
    assert reacted_before_edit(post, reacted) == (edited is not None and reacted < edited)


@given(edited=st.none() | moments)
def test_no_reaction_is_never_before_the_edit(edited):
    assert reacted_before_edit(SimpleNamespace(edited_at=edited), None) is False


def test_a_reaction_given_at_the_moment_of_the_edit_is_not_before_it():
    moment = datetime(2026, 12, 4, tzinfo=UTC)
    assert not reacted_before_edit(SimpleNamespace(edited_at=moment), moment)
    assert reacted_before_edit(SimpleNamespace(edited_at=moment), moment - timedelta(seconds=1))
