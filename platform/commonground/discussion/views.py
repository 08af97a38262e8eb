"""The discussion on an agenda item's page, and its forms (all working without JavaScript).

The item page (``deliberations.item``) includes ``discussion/_item_discussion.html``,
which asks the ``item_discussion(item)`` template global for everything it shows. The
forms post here; a success redirects back to the post (post/redirect/get); a refusal
shows the item page again, with the message beside the form and the text kept.
"""

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..config import LANGUAGES
from ..consensus import reactions
from ..db import iso, utcnow
from ..deliberations.access import (
    can_moderate,
    get_deliberation,
    get_item_of,
    participation_error,
    require_moderator,
    require_reader,
)
from ..deliberations.models import AgendaItem, Deliberation
from ..errors import NotFound, ServiceError, Unauthorized
from ..fields import LANGUAGE_RE, MAX_IDS, ids
from ..i18n import current_language, language_name
from ..labels import (
    STATUS_LABELS,
    reaction_script_strings,
    reaction_words,
    stance_labels,
    status_label,
)
from ..pages import form_action
from ..transactions import in_transaction
from . import queries, services
from .rules import (
    MAX_BODY_LENGTH,
    ThreadNode,
    path_ids,
    render_markdown,
    shown_level,
    thread_layout,
)
from .schemas import PostView
from .windows import CURSORS, page_window

bp = Blueprint("discussion", __name__, template_folder="templates")


# --- the page's view of a thread --------------------------------------------------------------


@dataclass
class DiscussionPage:
    """Everything ``_item_discussion.html`` shows, for the current reader."""

    item: AgendaItem
    deliberation: Deliberation
    reader: queries.Reader
    posts: list[PostView]
    tree: list[ThreadNode]
    refusal: ServiceError | None
    translation_refusal: ServiceError | None
    language: str
    language_filter: str | None
    language_counts: list[tuple[str, str, int]]
    language_choices: list[tuple[str, str]]
    compose_language: str
    authors: dict[int, str]
    open_ids: set[int]
    reply_to: int | None = None
    edit_id: int | None = None
    hide_id: int | None = None
    translate_id: int | None = None
    failed: dict | None = None
    server_time: str = ""
    groups: dict[str, str] = field(default_factory=dict)
    max_length: int = MAX_BODY_LENGTH
    #: why the reader may not react now (None: they may), the reader's own stance on each
    #: post, and each visible post's reaction totals (never who reacted how)
    reaction_refusal: ServiceError | None = None
    mine: dict[int, str] = field(default_factory=dict)
    #: the posts the reader reacted to before their latest edit
    mine_before_edit: set[int] = field(default_factory=set)
    reaction_totals: dict[int, dict[str, int]] = field(default_factory=dict)
    #: how many posts the thread has, when ``posts`` holds only some of them (a window or
    #: a fragment)
    thread_size: int | None = None
    #: the threads shown, when the page shows a window of them (see ``queries.Window``)
    window: queries.Window | None = None
    #: the request's cursor of that window (``before``, ``from`` or ``around``), if any
    cursor: dict[str, str] = field(default_factory=dict)
    #: the id of the thread's newest post, shown or not (a live page catches up from it)
    last_post_id: int = 0

    @property
    def may_post(self) -> bool:
        return self.refusal is None

    @property
    def may_translate(self) -> bool:
        return self.translation_refusal is None

    @property
    def may_react(self) -> bool:
        return self.reaction_refusal is None

    def totals(self, post_id: int) -> dict[str, int]:
        """A post's agree / disagree / pass totals (zeros when nobody reacted)."""
        return self.reaction_totals.get(post_id) or _NO_REACTIONS

    @property
    def total(self) -> int:
        return len(self.posts) if self.thread_size is None else self.thread_size

    def failed_for(self, form: str) -> dict | None:
        """The refusal of ``form`` (e.g. ``reply-12``) after a submission, if any."""
        if self.failed and self.failed.get("form") == form:
            return self.failed
        return None

    def value(self, form: str, name: str, default: str = "") -> str:
        """The submitted value of a refused form, else ``default``."""
        if failed := self.failed_for(form):
            return failed["values"].get(name, default)
        return default

    @cached_property
    def base_url(self) -> str:
        return item_url(self.item)

    def url(self, anchor: str = "", **query) -> str:
        """The item page with ``query`` (keeping the language filter and the cursor of the
        window shown), then ``#anchor``.

        Built by hand rather than with ``url_for``: a page of a thousand posts needs
        thousands of these.
        """
        if self.language_filter and "post_language" not in query:
            query["post_language"] = self.language_filter
        if not any(name in query for name in CURSORS):
            query = {**self.cursor, **query}
        query = {k: v for k, v in query.items() if v is not None}
        return (
            self.base_url
            + (f"?{urlencode(query)}" if query else "")
            + (f"#{anchor}" if anchor else "")
        )

    def window_url(self, direction: str) -> str | None:
        """The page of the older (or newer) threads, or None when there are none. Older
        threads open at their end, beside the link back; newer ones at their start."""
        if self.window is None:
            return None
        if direction == "older":
            if not self.window.has_older:
                return None
            return self.url("discussion-newer", before=self.window.older)
        if not self.window.has_newer:
            return None
        return self.url("discussion-older", **{"from": self.window.newer})

    def language_label(self, code: str) -> str:
        """The name of a language in the reader's language (looked up once per page)."""
        if code not in self._language_labels:
            self._language_labels[code] = language_name(code, self.language)
        return self._language_labels[code]

    @cached_property
    def _language_labels(self) -> dict[str, str]:
        return dict(self.language_choices)

    @cached_property
    def labels(self) -> dict[str, str]:
        """Words repeated on every post, translated once per page."""
        return {
            "reply": _("Reply"),
            "edit": _("Edit"),
            "translate": _("Translate"),
            "hide": _("Hide"),
            "edited": _("edited"),
            "hidden": _("Hidden by a moderator"),
            "floor": _("Floor intervention"),
            # i18n: beside the reader's own reaction, given to a post's earlier text
            "before_edit": _("Your reaction was given before the edit."),
            # i18n: beside a translation made from an earlier version of the post
            "outdated": _("Outdated: made from an earlier version of this post."),
            "redacted": _("Text removed"),
            **reaction_words(),
        }

    @cached_property
    def stances(self) -> dict[str, str]:
        """The reaction buttons' labels, in order."""
        return stance_labels()

    def reactions_config(self) -> dict:
        """The JSON block read by ``static/js/reactions.js`` (one-click reactions, live
        counts)."""
        return {
            "item": self.item.id,
            "api": {"reaction": "/api/v1/posts/{post}/reaction"},
            "urls": {
                "reactions": url_for(
                    "consensus.reaction_fragments",
                    slug=self.deliberation.slug,
                    item_id=self.item.id,
                    view="totals",
                )
            },
            "ids_per_fetch": MAX_IDS,
            "strings": reaction_script_strings(),
        }

    @cached_property
    def history_url(self) -> str:
        """``…/posts/0/history``: the script and the page put the post's id in place of 0."""
        return url_for("discussion.history", slug=self.deliberation.slug, post_id=0)

    def history_of(self, post_id: int) -> str:
        return self.history_url.replace("/0/history", f"/{post_id}/history")

    def may_edit(self, post: PostView) -> bool:
        return (
            self.may_post
            and not post.hidden
            and not post.redacted
            and self.reader.member_id is not None
            and post.author.member == self.reader.member_id
        )

    def client_config(self) -> dict:
        """The JSON block read by ``static/js/discussion.js``."""
        return {
            "item": self.item.id,
            "last_post_id": max(self.last_post_id, max((p.id for p in self.posts), default=0)),
            "server_time": self.server_time,
            "me": {
                "signed_in": self.reader.user is not None,
                "member": self.reader.member_id,
                "moderator": self.reader.moderator,
                "may_post": self.may_post,
                "may_translate": self.may_translate,
            },
            "filter": self.language_filter,
            "window": {
                "older": self.window.older if self.window else None,
                "newer": self.window.newer if self.window else None,
            },
            "groups": self.groups,
            "urls": {
                "posts": url_for(
                    "discussion.post_fragments", slug=self.deliberation.slug, item_id=self.item.id
                ),
            },
            "posts_per_fetch": MAX_IDS,
            # How long a post written offline waits for the connection before saying so.
            "send_wait_ms": 20000,
            "strings": client_strings(),
            "status_labels": {status: status_label(status) for status in STATUS_LABELS},
        }


_NO_REACTIONS = {"agree": 0, "disagree": 0, "pass": 0}


def reaction_totals(
    item: AgendaItem, post_ids: list[int] | None = None
) -> dict[int, dict[str, int]]:
    """Each visible post's (or ``post_ids``') agree / disagree / pass totals over every
    group: one query."""
    return {
        post_id: {
            "agree": sum(c.agree for c in by_group.values()),
            "disagree": sum(c.disagree for c in by_group.values()),
            "pass": sum(c.pass_ for c in by_group.values()),
        }
        for post_id, by_group in reactions.count_reactions(item.id, post_ids).items()
    }


def client_strings() -> dict[str, str]:
    """The page script's words, translated here ({name}-style placeholders)."""
    return {
        "writing": _("%(name)s is writing…", name="{name}"),
        "replies": _("Replies (%(count)s)", count="{count}"),
        "online": _("Online: %(count)s", count="{count}"),
        "no_group": _("No group"),
        "live": _("Live: new posts appear as they are written."),
        "offline": _("Connection lost. Reconnecting…"),
        "new_post": _("New post by %(name)s", name="{name}"),
        "send_failed": _("Your post was not sent: %(message)s", message="{message}"),
        "waiting": _("No connection: your post will be sent as soon as it is back."),
        "not_sent": _("there is no connection. Your text is kept here; try again later."),
        "locked": _("A moderator has locked this discussion: it accepts no new posts for now."),
        "closed": _("This agenda item is closed: it accepts no more posts."),
    }


def item_url(item: AgendaItem, **query) -> str:
    """The item's page (owned by the deliberations pages)."""
    return url_for("deliberations.item", slug=item.deliberation.slug, item_id=item.id, **query)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def item_discussion(item: AgendaItem, only: list[int] | None = None) -> DiscussionPage:
    """The thread of ``item`` as the current user sees it (the page's template global).

    A window of whole threads (``windows.page_window``: the newest, the one the query
    string asks for, or the one holding the post being answered, edited or shown), read in
    a constant number of queries whatever the thread's size. ``only``: just these posts,
    each at the level the whole thread gives it, with their parents' authors (for "in reply
    to"): what a live page fetches when they change.
    """
    language = current_language()
    language_filter = request.args.get("post_language") or None
    if language_filter and not LANGUAGE_RE.match(language_filter):
        language_filter = None
    reply_to, edit_id = _int_arg("reply_to"), _int_arg("edit_post")
    hide_id, translate_id = _int_arg("hide_post"), _int_arg("translate_post")
    failed = g.get("discussion_failed")
    if only is None:
        shown_post = next(
            (
                post_id
                for post_id in (
                    failed and failed.get("post"),
                    reply_to,
                    edit_id,
                    hide_id,
                    translate_id,
                    _int_arg("focus"),
                )
                if post_id
            ),
            None,
        )
        require_reader(current_user, item.deliberation)  # before the window says anything
        window = page_window(item, request.args, post_id=shown_post)
        thread = queries.read_thread(current_user, item, window=window)
    else:
        thread = _some_posts(item, only)
    posts = thread.posts
    totals = queries.thread_totals(item, thread.reader)
    shown = (
        [p for p in posts if p.language == language_filter or language_filter in p.translations]
        if language_filter
        else posts
    )
    if only is None:
        tree = thread_layout(shown, lambda p: p.path, flat=bool(language_filter))
    else:
        tree = [
            ThreadNode(p, p.depth, shown_level(p.depth, flat=bool(language_filter)))
            for p in shown
            if p.id in only
        ]

    by_id = {p.id: p for p in posts}
    # Branches holding the post being answered, edited or shown start unfolded.
    open_ids: set[int] = set()
    for post_id in (reply_to, edit_id, hide_id, translate_id, _int_arg("focus")):
        if post_id in by_id:
            open_ids.update(path_ids(by_id[post_id].path))
    if failed and failed.get("post") in by_id:
        open_ids.update(path_ids(by_id[failed["post"]].path))

    deliberation = item.deliberation
    choices = list(dict.fromkeys([*deliberation.languages, *LANGUAGES]))
    membership = thread.reader.membership
    return DiscussionPage(
        item=item,
        deliberation=deliberation,
        reader=thread.reader,
        posts=posts,
        tree=tree,
        refusal=participation_error(
            current_user, "post", item.deliberation, item, thread.reader.membership
        ),
        translation_refusal=participation_error(
            current_user, "translate", item.deliberation, None, thread.reader.membership
        ),
        language=language,
        language_filter=language_filter,
        language_counts=[
            (code, language_name(code, language), count)
            for code, count in sorted(totals.languages.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        language_choices=[(code, language_name(code, language)) for code in choices],
        compose_language=services.default_post_language(current_user),
        authors={p.id: p.author.name for p in posts},
        open_ids=open_ids,
        reply_to=reply_to,
        edit_id=edit_id,
        hide_id=hide_id,
        translate_id=translate_id,
        failed=failed,
        server_time=iso(utcnow()),
        groups={g.key: g.name_in(language) for g in deliberation.groups},
        reaction_refusal=participation_error(
            current_user, "react", item.deliberation, item, membership
        ),
        mine=reactions.own_stances(membership, item.id) if posts else {},
        mine_before_edit=(
            reactions.own_stances_before_edit(membership, item.id) if posts else set()
        ),
        reaction_totals=reaction_totals(item, only if only is not None else list(by_id))
        if posts
        else {},
        thread_size=totals.posts,
        window=thread.window,
        cursor={
            name: request.args[name] for name in CURSORS if request.args.get(name, "").isdigit()
        },
        last_post_id=totals.last_post_id,
    )


def _some_posts(item: AgendaItem, post_ids: list[int]) -> queries.Thread:
    """The posts ``post_ids`` of ``item`` and their parents, in thread order."""
    thread = queries.read_thread(current_user, item, post_ids=post_ids)
    parents = {p.parent for p in thread.posts if p.parent} - set(post_ids)
    if parents:
        thread.posts = sorted(
            thread.posts + queries.load_post_views(item.id, thread.reader, post_ids=[*parents]),
            key=lambda p: p.path,
        )
    return thread


@bp.app_template_global("item_discussion")
def _item_discussion_global(item: AgendaItem) -> DiscussionPage:
    return item_discussion(item)


@bp.get("/d/<slug>/items/<int:item_id>/posts")
def post_fragments(slug, item_id):
    """Posts of the item (``ids=1,2,3``) as the page renders them, for a live page to put in
    place (given ``before``, ``from`` or ``around`` instead: a window of threads): the same
    macro, for this reader, with the page's ``post_language`` and ``reply_to``. A reply
    that sits in its parent's list of replies comes inside that list (for a parent that
    has none yet), and the count of posts comes last."""
    item = get_item_of(get_deliberation(slug), item_id)
    if "ids" not in request.args and any(request.args.get(name) for name in CURSORS):
        # A window of threads (``before``, ``from`` or ``around``), as the page shows it.
        return render_template("discussion/_thread_window.html", page=item_discussion(item))
    page = item_discussion(item, only=ids(request.args.get("ids")))
    by_id = {post.id: post for post in page.posts}
    return render_template(
        "discussion/_post_fragments.html",
        page=page,
        entries=[
            (node, _replies_around(node, by_id[node.post.parent]) if node.post.parent else None)
            for node in page.tree
        ],
    )


def _replies_around(node: ThreadNode, parent: PostView) -> ThreadNode | None:
    """The parent's node holding only ``node``, if ``node`` sits in its parent's replies."""
    if not 0 < node.level == node.depth:
        return None
    return ThreadNode(parent, node.depth - 1, node.level - 1, children=[node])


# --- forms ------------------------------------------------------------------------------------


def _post_in(slug: str, post_id: int):
    post = queries.get_post(post_id)
    item = queries.item_of(post)
    if item.deliberation.slug != slug:
        raise NotFound(_("There is no post with this number."))
    return post, item


def _leaves_the_item_page(error: ServiceError) -> bool:
    """Sign-in and a page that is not there go to the error pages; any other refusal (an
    observer, a muted member, a locked item, a text too long) is shown beside the form,
    with the text kept."""
    return isinstance(error, Unauthorized) or (isinstance(error, NotFound) and not error.field)


def _form_again(item: AgendaItem, form: str, post_id: int | None = None):
    """How a refused form is answered (``form_action``'s ``refused``): the item page
    again, with the refusal beside the form and the text kept."""

    def refused(error: ServiceError):
        g.discussion_failed = {
            "form": form,
            "post": post_id,
            "field": error.field,
            "code": error.code,
            "message": str(error.message),
            "values": request.form.to_dict(),
        }
        return _item_page(item), error.status

    return refused


def _item_page(item: AgendaItem) -> str:
    """The agenda item's page (the deliberation pages' template, which includes this
    capability's section), in the reader's language."""
    deliberation = item.deliberation
    require_reader(current_user, deliberation)
    language = current_language()
    return render_template(
        "deliberations/item.html",
        deliberation=deliberation,
        item=item,
        text=item.text_in(language),
        has_translation=item.is_translated_into(language),
        show_original=False,
        moderator=can_moderate(current_user, deliberation),
        language=language,
    )


def _post_url(item: AgendaItem, post_id: int) -> str:
    """A post on the item page, its branch unfolded."""
    return item_url(item, focus=post_id) + f"#post-{post_id}"


def _post_form(slug: str, post_id: int, form: str, action, done: str):
    """Run a form acting on one post (``action(post)``), then back to that post."""
    post, item = _post_in(slug, post_id)
    return form_action(
        lambda: action(post),
        done=done,
        back=_post_url(item, post_id),
        refused=_form_again(item, f"{form}-{post_id}", post_id),
        to_error_pages=_leaves_the_item_page,
    )


@bp.post("/d/<slug>/items/<int:item_id>/posts")
def create_post(slug, item_id):
    """Publish a post, or (``parent``) a reply."""
    item = get_item_of(get_deliberation(slug), item_id)
    parent = request.form.get("parent") or None
    form = f"reply-{parent}" if parent else "compose"
    return form_action(
        lambda: services.create_post(
            current_user,
            item,
            body=request.form.get("body", ""),
            parent=parent,
            language=request.form.get("language"),
        ),
        done=None,
        back=lambda post: _post_url(item, post.id),
        refused=_form_again(item, form, int(parent) if parent and parent.isdigit() else None),
        to_error_pages=_leaves_the_item_page,
    )


@bp.post("/d/<slug>/posts/<int:post_id>/edit")
def edit_post(slug, post_id):
    """The author saves a new version of their post."""
    return _post_form(
        slug,
        post_id,
        "edit",
        lambda post: services.edit_post(
            current_user,
            post,
            body=request.form.get("body", ""),
            language=request.form.get("language"),
        ),
        _("Your post was updated."),
    )


@bp.post("/d/<slug>/posts/<int:post_id>/hide")
def hide_post(slug, post_id):
    """A moderator hides a post, with a reason."""
    return _post_form(
        slug,
        post_id,
        "hide",
        lambda post: services.hide_post(current_user, post, reason=request.form.get("reason", "")),
        _("The post was hidden."),
    )


@bp.post("/d/<slug>/posts/<int:post_id>/translations")
def translate_post(slug, post_id):
    """Add a human translation of a post."""
    return _post_form(
        slug,
        post_id,
        "translate",
        lambda post: services.translate_post(
            current_user,
            post,
            language=request.form.get("language", ""),
            body=request.form.get("body", ""),
        ),
        _("Thank you: your translation was added."),
    )


@bp.post("/d/<slug>/items/<int:item_id>/lock")
def lock_item(slug, item_id):
    """A moderator locks or unlocks the item's discussion."""
    item = get_item_of(get_deliberation(slug), item_id)
    locked = request.form.get("locked", "")
    return form_action(
        lambda: services.lock_item(current_user, item, locked=locked),
        done=_("The discussion is locked.")
        if locked == "1"
        else _("The discussion is open again."),
        back=item_url(item) + "#discussion",
        refused=_form_again(item, "lock"),
        to_error_pages=_leaves_the_item_page,
    )


@bp.get("/d/<slug>/posts/<int:post_id>/history")
def history(slug, post_id):
    """The versions of a post: the current one and every earlier body."""
    if post_id == 0:
        abort(404)
    post, item = _post_in(slug, post_id)
    require_reader(current_user, item.deliberation)
    view = queries.read_post(current_user, post)
    revisions = queries.post_revisions(current_user, post)
    return render_template(
        "discussion/history.html",
        deliberation=item.deliberation,
        item=item,
        post=view,
        revisions=[(r.replaced_at, render_markdown(r.body)) for r in revisions],
        item_url=item_url(item, focus=post.id) + f"#post-{post.id}",
    )


@bp.get("/d/<slug>/redactions")
def redactions(slug):
    """Former members' requests to remove their posts' text, for the moderators."""
    deliberation = get_deliberation(slug)
    pending = services.pending_redactions(current_user, deliberation)
    names = queries.FormerMembersOf(deliberation.id)
    return render_template(
        "discussion/redactions.html",
        deliberation=deliberation,
        section="redactions",
        requests=[(request_, names.label(request_.membership_id)) for request_ in pending],
    )


@bp.post("/d/<slug>/redactions/<int:request_id>")
def decide_redaction(slug, request_id):
    """A moderator approves or refuses one request."""
    deliberation = get_deliberation(slug)
    approve = request.form.get("decision") == "approve"

    def decide():
        request_ = services.get_redaction(deliberation, request_id)
        return services.decide_redaction(current_user, deliberation, request_, approve=approve)

    require_moderator(current_user, deliberation)  # before the request is looked up
    count = in_transaction(decide)
    if approve:
        flash(
            ngettext(
                "The text of %(num)d post has been removed.",
                "The text of %(num)d posts has been removed.",
                count,
            ),
            "success",
        )
    else:
        flash(_("The request has been refused; the posts stay as they are."), "success")
    return redirect(url_for("discussion.redactions", slug=slug))
