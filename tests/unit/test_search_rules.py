"""The pure rules of search: parsing a query, FTS5 and LIKE quoting, snippets and their
escaped highlighting."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonground.search.rules import (
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    QueryError,
    fts5_expression,
    like_pattern,
    page_bounds,
    pair_prefix,
    parse_query,
    snippet,
    window_split,
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   \t ", "missing"),
        ("x" * (MAX_QUERY_LENGTH + 1), "too_long"),
        (" ".join(f"w{n}" for n in range(MAX_TERMS + 1)), "too_many_terms"),
        ("nul\x00byte", "control_characters"),
    ],
)
def test_queries_that_cannot_run_are_refused_with_a_reason(raw, code):
    with pytest.raises(QueryError) as refused:
        parse_query(raw)
    assert refused.value.code == code


def test_terms_are_split_at_white_space_deduplicated_whatever_their_case():
    query = parse_query("  Climate  climate 气候  AI ")
    assert query.text == "Climate climate 气候 AI"
    assert query.terms == ("Climate", "气候", "AI")
    assert query.indexed_terms == ("Climate",)
    assert query.scanned_terms == ("气候", "AI")


def test_fts5_terms_are_quoted_phrases_so_no_term_is_read_as_syntax():
    assert fts5_expression(('a"b', "NOT", "x*")) == '"a""b" AND "NOT" AND "x*"'


def test_like_patterns_escape_wildcards():
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def test_pair_prefixes_quote_the_term():
    assert pair_prefix("治理") == "'治理':*"
    assert pair_prefix("a'\\") == "'a''\\\\':*"


def test_pages_fetch_one_row_more_than_they_show():
    assert page_bounds(1, 20) == (0, 21)
    assert page_bounds(3, 10) == (20, 11)


def test_the_snippet_is_a_window_around_the_first_match():
    text = "lorem " * 100 + "The Charter of the United Nations" + " ipsum" * 100
    cut = snippet(text, ("charter",), length=60)
    assert cut.text.startswith("…") and cut.text.endswith("…")
    assert [cut.text[a:b] for a, b in cut.matches] == ["Charter"]


def test_a_two_character_chinese_word_is_marked_inside_a_sentence():
    cut = snippet("我们支持全球治理的多边合作", ("治理",))
    assert cut.html() == "我们支持全球<mark>治理</mark>的多边合作"


def test_arabic_and_russian_matches_are_marked():
    assert "<mark>الذكاء</mark>" in snippet("حوكمة الذكاء الاصطناعي", ("الذكاء",)).html()
    assert "<mark>Управление</mark>" in snippet("Управление ИИ", ("управление",)).html()


def test_markup_in_the_text_is_escaped_and_only_marks_are_markup():
    html = snippet('<script>alert("x")</script> <b>governance</b>', ("governance",)).html()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert re.sub(r"</?mark>", "", html).count("<") == 0
    assert "<mark>governance</mark>" in html


def test_a_term_that_looks_like_markup_is_escaped_inside_the_mark():
    html = snippet("a <b> tag", ("<b>",)).html()
    assert html == "a <mark>&lt;b&gt;</mark> tag"


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
terms = st.lists(
    st.text(alphabet="ab<>&\"'治理 xY", min_size=1, max_size=4).filter(str.strip),
    min_size=1,
    max_size=3,
)


@given(texts, terms)
def test_a_snippet_is_a_piece_of_the_text_with_every_marked_part_a_term(text, words):
    cut = snippet(text, tuple(words), length=80)
    plain = " ".join(text.split())
    body = cut.text.removeprefix("…").removesuffix("…")
    assert body in plain
    lowered = {w.lower() for w in words}
    for a, b in cut.matches:
        assert cut.text[a:b].lower() in lowered
    # Escaping every segment: the HTML, without its marks and unescaped, is the text.
    html = str(cut.html())
    assert html.count("<mark>") == len(cut.matches)
    unmarked = re.sub(r"</?mark>", "", html)
    assert "<" not in unmarked and ">" not in unmarked
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&#34;", '"'), ("&#39;", "'")):
        unmarked = unmarked.replace(entity, char)
    assert unmarked.replace("&amp;", "&") == cut.text


@given(st.integers(min_value=1, max_value=2**31 - 1))
def test_the_deliberation_token_is_what_the_triggers_compute(deliberation_id):
    import sqlite3

    from commonground.search.rules import deliberation_token

    token = deliberation_token(deliberation_id)
    assert len(token) == 3
    with sqlite3.connect(":memory:") as conn:
        (computed,) = conn.execute(
            "SELECT char(57344 + (:i / 40960000) % 6400, 57344 + (:i / 6400) % 6400, "
            "57344 + :i % 6400)",
            {"i": deliberation_id},
        ).fetchone()
    assert computed == token


@given(
    offset=st.integers(0, 1_000),
    limit=st.integers(1, 60),
    window=st.integers(1, 300),
    total=st.integers(0, 1_500),
)
def test_a_page_is_cut_from_the_ranked_window_and_the_rest_after_it(offset, limit, window, total):
    rows = list(range(total))
    ranked, rest = rows[:window], rows[window:]
    (r_offset, r_limit), (o_offset, o_limit) = window_split(offset, limit, window)
    page = ranked[r_offset : r_offset + r_limit] + rest[o_offset : o_offset + o_limit]
    assert page == rows[offset : offset + limit]
    assert r_limit + o_limit == limit and r_limit >= 0 and o_limit >= 0
