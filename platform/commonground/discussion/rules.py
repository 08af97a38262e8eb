"""Pure rules of the discussion: materialised paths, thread layout, Markdown rendering.

Nothing here touches Flask or the database, so every rule is tested directly.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, TypeVar

import nh3
from markdown_it import MarkdownIt

#: Width of one id in a materialised path. Fixed width makes text order equal thread order
#: (parent, then its replies depth-first, then the next sibling) on every database and
#: collation: the separator sorts before digits, and even collations that ignore
#: punctuation compare the digits position by position.
PATH_DIGITS = 10
PATH_SEPARATOR = "/"

#: A post body (and a translation) is at most this many characters of Markdown.
MAX_BODY_LENGTH = 20_000

#: The page indents replies up to this depth; deeper replies line up at this depth, in
#: thread order, each saying whom it answers.
MAX_NESTING = 4
#: Replies below this depth start collapsed.
COLLAPSE_DEPTH = 3


# --- materialised paths ---------------------------------------------------------------------


def path_segment(post_id: int) -> str:
    """One post's part of a path: its id, zero-padded."""
    if post_id <= 0 or post_id >= 10**PATH_DIGITS:
        raise ValueError(f"post id out of range for a path: {post_id}")
    return f"{post_id:0{PATH_DIGITS}d}"


def child_path(parent_path: str | None, post_id: int) -> str:
    """The path of post ``post_id``, a reply to the post at ``parent_path`` (None: top)."""
    segment = path_segment(post_id)
    return f"{parent_path}{PATH_SEPARATOR}{segment}" if parent_path else segment


def path_depth(path: str) -> int:
    """0 for a top-level post, 1 for a reply to it, and so on."""
    return path.count(PATH_SEPARATOR)


def path_ids(path: str) -> list[int]:
    """The ids along a path, from the top-level post to the post itself."""
    return [int(segment) for segment in path.split(PATH_SEPARATOR)] if path else []


def is_within(path: str, ancestor_path: str) -> bool:
    """Whether the post at ``path`` is ``ancestor_path``'s post or one of its replies."""
    return path == ancestor_path or path.startswith(ancestor_path + PATH_SEPARATOR)


# --- thread windows -------------------------------------------------------------------------

#: A page (and ``GET …/posts`` without ``after``) shows a window of whole top-level threads:
#: at most this many threads...
WINDOW_THREADS = 100
#: ...and no more threads once the window holds this many posts (always at least one
#: thread), so a page stays light whatever the length of its threads. A long post counts
#: once more for every ``LONG_POST`` characters of its body.
WINDOW_POSTS = 100
LONG_POST = 2000


def window_threads(
    counts: Sequence[tuple[int, int]], *, threads: int = WINDOW_THREADS, posts: int = WINDOW_POSTS
) -> int:
    """How many of ``counts`` (top-level post id, posts in its thread — long ones counted
    as several, see ``LONG_POST``), nearest first, a
    window takes: at most ``threads``, and no further thread once the next one would take
    the window past ``posts`` posts — but always the first thread, whatever its size."""
    taken = total = 0
    for _root, size in counts[:threads]:
        if taken and total + size > posts:
            break
        taken += 1
        total += size
    return taken


def window_around(
    older: Sequence[int],
    newer: Sequence[int],
    *,
    threads: int = WINDOW_THREADS,
    posts: int = WINDOW_POSTS,
) -> tuple[int, int]:
    """How many threads a window around one thread takes on each side: ``older`` are the
    sizes of that thread and of the threads before it, nearest first; ``newer`` of the
    threads after it, nearest first. The thread itself always; then one newer, one older,
    in turn, each while it keeps the window within ``threads`` threads and ``posts``
    posts — a side that cannot take its next thread takes no more (the window stays one
    run of threads). Returns (threads taken from ``older``, from ``newer``)."""
    if not older:
        return (0, 0)
    taken = {"older": 1, "newer": 0}
    sizes = {"older": older, "newer": newer}
    total = older[0]
    open_sides = ["newer", "older"]
    while open_sides and taken["older"] + taken["newer"] < threads:
        side = open_sides.pop(0)
        following = sizes[side][taken[side] : taken[side] + 1]
        if following and total + following[0] <= posts:
            taken[side] += 1
            total += following[0]
            open_sides.append(side)
    return (taken["older"], taken["newer"])


def thread_root(path: str) -> int:
    """The id of the top-level post of the thread holding the post at ``path``."""
    return int(path[:PATH_DIGITS])


# --- thread layout --------------------------------------------------------------------------

T = TypeVar("T")


@dataclass
class ThreadNode(Generic[T]):
    """A post placed in the page: ``children`` are shown indented beneath it.

    ``depth`` is the reply depth in the data; ``level`` the indentation on the page (capped
    at ``MAX_NESTING``); ``replies`` counts every post shown beneath, at any level.
    """

    post: T
    depth: int
    level: int
    children: list["ThreadNode[T]"] = field(default_factory=list)

    @property
    def replies(self) -> int:
        return sum(1 + child.replies for child in self.children)

    @property
    def collapsed(self) -> bool:
        """Whether the page starts with this node's replies folded away."""
        return self.level + 1 >= COLLAPSE_DEPTH


def thread_layout(
    posts: Iterable[T],
    path_of,
    *,
    max_nesting: int = MAX_NESTING,
    flat: bool = False,
) -> list[ThreadNode[T]]:
    """Arrange posts, given in path order, as the nested list the page shows.

    ``path_of(post)`` gives a post's materialised path. Replies deeper than ``max_nesting``
    are shown beneath their ancestor at that depth, still in thread order, so nesting on the
    page (and recursion in the template) stays bounded whatever the depth of the data.
    A post whose parent is not among ``posts`` (a filtered view) is shown at the top level.
    ``flat`` puts every post at the top level, in thread order.

    The work is linear in the number of posts.
    """
    top: list[ThreadNode[T]] = []
    # The node shown for each path, so a reply finds where it goes in one lookup.
    by_path: dict[str, ThreadNode[T]] = {}
    for post in posts:
        path = path_of(post)
        depth = path_depth(path)
        container = top
        level = 0
        if not flat and depth > 0:
            segments = path.split(PATH_SEPARATOR)
            # The nearest shown ancestor at most max_nesting - 1 deep takes the reply.
            for ancestor_depth in range(min(depth, max_nesting) - 1, -1, -1):
                ancestor = by_path.get(PATH_SEPARATOR.join(segments[: ancestor_depth + 1]))
                if ancestor is not None:
                    container = ancestor.children
                    level = ancestor_depth + 1
                    break
        node = ThreadNode(post=post, depth=depth, level=level)
        container.append(node)
        by_path[path] = node
    return top


def shown_level(depth: int, *, max_nesting: int = MAX_NESTING, flat: bool = False) -> int:
    """The level ``thread_layout`` gives a post of ``depth`` in a whole thread (every
    ancestor shown): its depth, capped at ``max_nesting``; 0 in a flat view.

    So one post can be rendered for a page without laying out its whole thread: at a level
    above 0 and equal to its depth, it sits in its parent's replies; at a level below its
    depth, beside its parent, after the parent's replies.
    """
    return 0 if flat else min(depth, max_nesting)


def walk(nodes: Sequence[ThreadNode[T]]) -> Iterable[ThreadNode[T]]:
    """Every node, in the order the page shows them (without recursion)."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


# --- Markdown ------------------------------------------------------------------------------

#: What sanitised post HTML may contain. No images: they would load from anywhere (tracking
#: pixels) and the page's CSP refuses them anyway; no raw attributes beyond the link's.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
#: No ``style``: the CSP refuses inline styles, and none is needed.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"

#: A post's headings sit inside the page's own h1–h3 outline: # becomes h4, ## h5, the rest h6.
HEADING_SHIFT = 3


def _markdown_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")

    def heading_open(renderer, tokens, idx, options, env):
        token = tokens[idx]
        level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
        return f"<h{level}>"

    def heading_close(renderer, tokens, idx, options, env):
        token = tokens[idx]
        level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
        return f"</h{level}>\n"

    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    return md


_MARKDOWN = _markdown_parser()


@lru_cache(maxsize=8192)
def render_markdown(source: str) -> str:
    """Safe HTML for a post body: Markdown with raw HTML off, then an nh3 allow-list.

    Two layers, because each alone has failed somewhere before: the parser never passes
    HTML through (it is shown as text) and refuses ``javascript:``-style links; the
    sanitiser then keeps only the tags and attributes above, whatever the parser emitted,
    and marks every link ``rel="nofollow noopener ugc"``. Cached: a thread page renders
    the same bodies again and again.
    """
    html = _MARKDOWN.render(source or "")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
