"""The discussion's pure rules: materialised paths, thread layout, Markdown sanitising."""

import random
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonground.discussion.rules import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    COLLAPSE_DEPTH,
    MAX_NESTING,
    child_path,
    is_within,
    path_depth,
    path_ids,
    path_segment,
    render_markdown,
    shown_level,
    thread_layout,
    thread_root,
    walk,
    window_around,
    window_threads,
)
from commonground.realtime.ratelimit import MemoryWindows, parse_rate

# --- materialised paths ---------------------------------------------------------------------


def test_a_top_level_post_path_is_its_zero_padded_id():
    assert child_path(None, 12) == "0000000012"
    assert path_depth("0000000012") == 0


def test_a_reply_path_extends_its_parent_path():
    path = child_path(child_path(None, 12), 15)
    assert path == "0000000012/0000000015"
    assert path_depth(path) == 1
    assert path_ids(path) == [12, 15]
    assert is_within(path, "0000000012")
    assert not is_within("0000000120", "0000000012")


def test_ids_outside_the_path_width_are_refused():
    with pytest.raises(ValueError):
        path_segment(0)
    with pytest.raises(ValueError):
        path_segment(10**10)


def _random_thread(rng: random.Random, size: int) -> dict[int, str]:
    """Posts 1..size, each a top-level post or a reply to an earlier one."""
    paths: dict[int, str] = {}
    for post_id in range(1, size + 1):
        parent = rng.choice([None, *paths]) if paths else None
        paths[post_id] = child_path(paths[parent] if parent else None, post_id)
    return paths


def _depth_first(paths: dict[int, str]) -> list[int]:
    """Thread order computed the slow way: each post, then its replies, oldest first."""
    children: dict[int | None, list[int]] = {}
    for post_id, path in paths.items():
        ids = path_ids(path)
        children.setdefault(ids[-2] if len(ids) > 1 else None, []).append(post_id)
    order: list[int] = []

    def visit(parent):
        for child in sorted(children.get(parent, [])):
            order.append(child)
            visit(child)

    visit(None)
    return order


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=120))
def test_sorting_paths_as_text_gives_thread_order(seed, size):
    paths = _random_thread(random.Random(seed), size)
    by_text = sorted(paths, key=lambda post_id: paths[post_id])
    assert by_text == _depth_first(paths)


@given(st.integers(min_value=0, max_value=2**32))
def test_sorting_ignoring_the_separator_still_gives_thread_order(seed):
    # Some database collations ignore punctuation; fixed-width ids keep the order anyway.
    paths = _random_thread(random.Random(seed), 80)
    by_digits = sorted(paths, key=lambda post_id: paths[post_id].replace("/", ""))
    assert by_digits == _depth_first(paths)


# --- thread layout --------------------------------------------------------------------------


def _chain(length: int) -> list[str]:
    paths, parent = [], None
    for post_id in range(1, length + 1):
        parent = child_path(parent, post_id)
        paths.append(parent)
    return paths


def test_layout_nests_replies_under_their_parents():
    paths = sorted(["0000000001", "0000000001/0000000002", "0000000003"])
    tree = thread_layout(paths, lambda p: p)
    assert [n.post for n in tree] == ["0000000001", "0000000003"]
    assert [n.post for n in tree[0].children] == ["0000000001/0000000002"]
    assert tree[0].replies == 1 and tree[1].replies == 0


def test_layout_caps_indentation_however_deep_the_thread():
    # A chain of 1,000 replies: the page nests MAX_NESTING levels, then lines the rest up.
    paths = _chain(1000)
    tree = thread_layout(paths, lambda p: p)
    nodes = list(walk(tree))
    assert [n.post for n in nodes] == paths  # every post, in thread order
    assert max(n.level for n in nodes) == MAX_NESTING
    assert all(n.level == min(n.depth, MAX_NESTING) for n in nodes)
    deepest_container = tree
    for _ in range(MAX_NESTING):
        deepest_container = deepest_container[0].children
    assert len(deepest_container) == 1000 - MAX_NESTING


def test_layout_keeps_thread_order_within_a_flattened_branch():
    paths = sorted([*_chain(MAX_NESTING + 2), child_path(_chain(MAX_NESTING + 1)[-1], 99)])
    nodes = list(walk(thread_layout(paths, lambda p: p)))
    assert [n.post for n in nodes] == paths


def test_layout_collapses_deep_branches_only():
    tree = thread_layout(_chain(6), lambda p: p)
    levels_collapsed = [(n.level, n.collapsed) for n in walk(tree)]
    assert all(collapsed == (level + 1 >= COLLAPSE_DEPTH) for level, collapsed in levels_collapsed)
    assert not tree[0].collapsed


def test_layout_shows_a_reply_whose_parent_is_filtered_out_under_the_nearest_shown_ancestor():
    chain = _chain(3)
    tree = thread_layout([chain[0], chain[2]], lambda p: p)
    assert [n.post for n in tree[0].children] == [chain[2]]


def test_flat_layout_lists_every_post_at_the_top():
    tree = thread_layout(_chain(5), lambda p: p, flat=True)
    assert len(tree) == 5 and all(n.level == 0 and not n.children for n in tree)


@given(
    st.integers(min_value=0, max_value=2**32),
    st.integers(min_value=1, max_value=80),
    st.booleans(),
)
def test_one_post_is_placed_as_the_layout_of_its_whole_thread_places_it(seed, size, flat):
    """What a live page relies on to put one fetched post in place: its level, and at a
    level equal to its depth it sits in its parent's replies, else beside its parent."""
    paths = sorted(_random_thread(random.Random(seed), size).values())
    shown_under: dict[str, str | None] = {}  # path → path of the node it is shown under
    levels: dict[str, int] = {}

    def visit(nodes, owner):
        for node in nodes:
            shown_under[node.post], levels[node.post] = owner, node.level
            visit(node.children, node.post)

    visit(thread_layout(paths, lambda p: p, flat=flat), None)
    for path in paths:
        depth = path_depth(path)
        level = shown_level(depth, flat=flat)
        assert level == levels[path]
        parent = path.rsplit("/", 1)[0] if depth else None
        if 0 < level == depth:
            assert shown_under[path] == parent
        elif level:
            assert shown_under[path] == shown_under[parent]
        else:
            assert shown_under[path] is None


# --- Markdown -------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x](https://example.org/x.png "onerror=alert(1)")',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<a href="#" onclick="steal()">x</a>',
    "<style>body{display:none}</style>",
    '[x](https://example.org/" onmouseover="alert(1))',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "`<script>` and ```\n<script>alert(1)</script>\n```",
    "<!-- comment --><b>bold</b>",
    "[x](<java\tscript:alert(1)>)",
    "[x](java&#9;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
]


class _Elements(HTMLParser):
    """Every element of an HTML fragment, with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """Only allow-listed tags and attributes; links only to web or mail addresses (or
    relative ones, which stay on this site)."""
    for tag, attributes in _Elements(html).elements:
        assert tag in ALLOWED_TAGS, tag
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | (
            {"rel"} if tag == "a" else set()
        ), (tag, attributes)
        if tag == "a":
            # A link whose address was unsafe keeps its text and loses the address.
            href = attributes.get("href", "")
            assert urlsplit(href.strip()).scheme.lower() in ("", "http", "https", "mailto"), href
            assert attributes["rel"] == "nofollow noopener ugc"


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_is_rendered_inert(source):
    html = render_markdown(source)
    assert_inert(html)
    assert "<script" not in html.lower()


@given(st.text(max_size=300))
def test_any_text_renders_inert(source):
    assert_inert(render_markdown(source))


@given(
    st.lists(
        st.sampled_from(
            ["[a](", "javascript:", "<", ">", "img", " onerror=", "](", ")", "\n", "*", "`", '"']
        ),
        max_size=30,
    )
)
def test_markdown_built_from_hostile_pieces_renders_inert(pieces):
    assert_inert(render_markdown("".join(pieces)))


def test_links_are_marked_user_generated_and_not_followed():
    html = render_markdown("[site](https://example.org) and <https://example.com/a>")
    assert html.count('rel="nofollow noopener ugc"') == 2
    assert 'href="https://example.org"' in html


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>"


def test_common_markdown_survives_sanitising():
    html = render_markdown(
        "**bold** *it* ~~gone~~ `code`\n\n> quote\n\n1. one\n2. two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |"
    )
    for tag in ("<strong>", "<em>", "<s>", "<code>", "<blockquote>", "<ol>", "<table>"):
        assert tag in html


def test_headings_sit_below_the_page_outline():
    assert render_markdown("# Big").startswith("<h4>")
    assert render_markdown("## Less").startswith("<h5>")
    assert render_markdown("#### Small").startswith("<h6>")


def test_images_are_not_embedded():
    html = render_markdown("![logo](https://example.org/logo.png)")
    assert "<img" not in html


# --- rate-limit rules -----------------------------------------------------------------------


def test_rates_are_count_per_seconds():
    assert parse_rate("10/60") == (10, 60.0)
    assert parse_rate("") == (0, 0.0)
    for bad in ("10", "x/60", "5/0", "-1/5"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_a_sliding_window_allows_count_actions_then_says_how_long_to_wait():
    windows = MemoryWindows()
    assert [windows.hit("m", 3, 10, now=t) for t in (0, 1, 2)] == [0, 0, 0]
    assert windows.hit("m", 3, 10, now=5) == pytest.approx(5)
    assert windows.hit("other", 3, 10, now=5) == 0  # per key
    assert windows.hit("m", 3, 10, now=10.5) == 0  # the first action left the window


# --- thread windows -------------------------------------------------------------------------


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=50), max_size=40),
    threads=st.integers(min_value=1, max_value=30),
    posts=st.integers(min_value=1, max_value=200),
)
def test_a_window_takes_the_nearest_threads_within_both_budgets_and_never_none(
    sizes, threads, posts
):
    counts = [(n + 1, size) for n, size in enumerate(sizes)]
    taken = window_threads(counts, threads=threads, posts=posts)
    assert 0 <= taken <= min(threads, len(counts))
    if counts:
        assert taken >= 1  # however long the nearest thread, the window shows it
    if taken > 1:
        assert sum(sizes[:taken]) <= posts
    # It stops only at a budget or at the last thread.
    if taken < min(threads, len(counts)):
        assert sum(sizes[: taken + 1]) > posts


def test_a_window_of_short_threads_takes_up_to_the_thread_budget():
    assert window_threads([(n, 2) for n in range(1, 300)], threads=100, posts=200) == 100
    assert window_threads([(n, 3) for n in range(1, 300)], threads=100, posts=200) == 66
    assert window_threads([(1, 5000), (2, 1)], threads=100, posts=200) == 1


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6))
def test_a_posts_thread_is_the_first_id_of_its_path(ids):
    path = None
    for post_id in ids:
        path = child_path(path, post_id)
    assert thread_root(path) == ids[0]


@given(
    older=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=30),
    newer=st.lists(st.integers(min_value=1, max_value=30), max_size=30),
    threads=st.integers(min_value=1, max_value=40),
    posts=st.integers(min_value=1, max_value=200),
)
def test_a_window_around_a_thread_holds_it_and_stays_within_both_budgets(
    older, newer, threads, posts
):
    from_older, from_newer = window_around(older, newer, threads=threads, posts=posts)
    assert from_older >= 1  # the thread itself, whatever its size
    assert from_older <= len(older) and from_newer <= len(newer)
    assert from_older + from_newer <= threads
    total = sum(older[:from_older]) + sum(newer[:from_newer])
    assert from_older + from_newer == 1 or total <= posts
    # A side stops early only when its next thread would break a budget.
    for taken, sizes in ((from_older, older), (from_newer, newer)):
        if taken < len(sizes):
            assert from_older + from_newer == threads or total + sizes[taken] > posts


def test_a_window_around_a_thread_takes_newer_and_older_threads_in_turn():
    assert window_around([1] * 10, [1] * 10, threads=5, posts=100) == (3, 2)
    assert window_around([1] * 10, [], threads=5, posts=100) == (5, 0)
    assert window_around([1], [1] * 10, threads=5, posts=100) == (1, 4)
    assert window_around([3, 1, 1], [5, 1], threads=10, posts=6) == (3, 0)
