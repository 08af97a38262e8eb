"""Deliberation pages: overview, agenda, groups and members, agenda items, and the
moderators' management pages. Every form works without JavaScript.

Thin: find the resource, call the service, commit, redirect (post/redirect/get). A refused
form comes back with status 422, the message beside the offending field and the submitted
values kept; a refusal of the person (401/403/404) goes to the site's error handling.
"""

import re
from collections.abc import Callable

from flask import Blueprint, render_template, request, url_for
from flask_babel import force_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import events
from ..config import LANGUAGES
from ..errors import ServiceError
from ..i18n import current_language
from ..labels import role_label, scheme_label
from ..pages import form_action
from ..transactions import in_transaction
from . import queries, services
from .access import (
    can_moderate,
    get_deliberation,
    get_item_of,
    require_admin,
    require_moderator,
    require_reader,
)
from .models import ROLES, VOTING_SCHEMES, Deliberation

bp = Blueprint("deliberations", __name__, template_folder="templates")

#: The six stakeholder groups the Action Plan names, offered when creating a deliberation.
DEFAULT_GROUPS = (
    ("governments", _l("Governments")),
    ("international_organizations", _l("International organizations")),
    ("enterprises", _l("Enterprises")),
    ("research_institutions", _l("Research institutions")),
    ("civil_society", _l("Civil society organizations")),
    ("individual_citizens", _l("Individual citizens")),
)

#: Labels of the buttons that move a deliberation or an item to a status.
STATUS_ACTIONS = {
    # i18n: button that opens a deliberation or an agenda item
    "open": lazy_pgettext("action", "Open"),
    # i18n: button that closes a deliberation or an agenda item
    "closed": _l("Close"),
}
REOPEN = _l("Reopen")


def _status_action(current: str, new: str) -> str:
    """The label of the button moving from ``current`` to ``new``."""
    if current == "closed" and new == "open":
        return str(REOPEN)
    return str(STATUS_ACTIONS.get(new, new))


@bp.context_processor
def deliberation_page_helpers():
    return {"status_action": _status_action}


# --- reading -------------------------------------------------------------------------------


def _readable(slug: str) -> Deliberation:
    deliberation = get_deliberation(slug)
    require_reader(current_user, deliberation)
    return deliberation


def _moderated(slug: str) -> Deliberation:
    deliberation = get_deliberation(slug)
    require_moderator(current_user, deliberation)
    return deliberation


@bp.get("/d/<slug>")
def show(slug):
    """The deliberation: its agenda, its stakeholder groups and its members."""
    deliberation = _readable(slug)
    language = current_language()
    members = queries.memberships_of(deliberation)
    by_group: dict = {group.id: [] for group in deliberation.groups}
    ungrouped = []
    for membership in members:
        by_group.get(membership.group_id, ungrouped).append(membership)
    return render_template(
        "deliberations/show.html",
        deliberation=deliberation,
        agenda=[(item, item.text_in(language)) for item in queries.agenda_of(deliberation)],
        by_group=by_group,
        ungrouped=ungrouped,
        member_count=len(members),
        moderator=can_moderate(current_user, deliberation),
        language=language,
    )


@bp.get("/d/<slug>/items/<int:item_id>")
def item(slug, item_id):
    """An agenda item in the reader's language (with a switch to the original)."""
    deliberation = _readable(slug)
    agenda_item = get_item_of(deliberation, item_id)
    if current_user.is_authenticated:
        # What concerned the member here is read now (notifications), before the header
        # counts what is left.
        user = current_user._get_current_object()
        in_transaction(lambda: events.item_opened.send(agenda_item, user=user))
    language = current_language()
    has_translation = agenda_item.is_translated_into(language)
    show_original = request.args.get("show") == "original" and has_translation
    return render_template(
        "deliberations/item.html",
        deliberation=deliberation,
        item=agenda_item,
        text=agenda_item.text_in(agenda_item.language if show_original else language),
        has_translation=has_translation,
        show_original=show_original,
        moderator=can_moderate(current_user, deliberation),
        language=language,
    )


# --- form plumbing -------------------------------------------------------------------------


def _field_name(field: str | None) -> str | None:
    """The form input a service's field name refers to (``languages[2]`` → ``languages``,
    ``name_translations.fr`` → ``name_fr``)."""
    if not field:
        return None
    if field.startswith("name_translations."):
        return "name_" + field.split(".", 1)[1]
    return re.split(r"[\[.]", field, maxsplit=1)[0]


def _form_again(form: str, render: Callable[..., str]) -> Callable[[ServiceError], tuple]:
    """How a refused form is answered (``form_action``'s ``refused``): the page again,
    status 422, the message beside the field it concerns."""

    def refused(error: ServiceError):
        failed = {"form": form, "field": _field_name(error.field), "message": str(error.message)}
        return render(failed=failed), 422

    return refused


def _scheme_options() -> list[tuple[str, str]]:
    return [(scheme, scheme_label(scheme)) for scheme in VOTING_SCHEMES]


def _language_list(value: str | None) -> list[str]:
    """Language codes typed as ``en, fr ar`` → ``["en", "fr", "ar"]``."""
    return [code for code in re.split(r"[\s,;]+", value or "") if code]


def _name_translations_from(form, deliberation: Deliberation) -> dict[str, str]:
    return {
        code: form.get(f"name_{code}", "")
        for code in deliberation.languages
        if code != deliberation.source_language and f"name_{code}" in form
    }


# --- creating and configuring a deliberation ----------------------------------------------


@bp.route("/deliberations/new", methods=["GET", "POST"])
def create():
    """Create a deliberation (administrators); it starts as a draft."""
    require_admin(current_user)

    def render(failed=None):
        return render_template(
            "deliberations/create.html",
            failed=failed,
            values=request.form if failed else {},
            scheme_options=_scheme_options(),
            default_groups=DEFAULT_GROUPS,
        )

    if request.method == "GET":
        return render()
    form = request.form
    languages = _language_list(form.get("languages"))
    groups = (
        _default_groups(form.get("source_language") or next(iter(languages), "en"), languages)
        if form.get("default_groups")
        else []
    )
    return form_action(
        lambda: services.create_deliberation(
            current_user,
            slug=form.get("slug", ""),
            title=form.get("title", ""),
            description=form.get("description", ""),
            scheme=form.get("scheme", "members"),
            languages=languages,
            source_language=form.get("source_language") or None,
            groups=groups,
            is_public=form.get("is_public"),
            observers_may_post=form.get("observers_may_post"),
        ),
        done=_("The deliberation was created as a draft."),
        back=lambda deliberation: url_for(".show", slug=deliberation.slug),
        refused=_form_again("create", render),
    )


def _default_groups(source_language: str, languages: list[str]) -> list[dict]:
    """The Action Plan's six groups, named in the source language (English unless the
    interface speaks it) and translated into the other languages offered that it speaks."""

    def name_in(name, code: str) -> str:
        with force_locale(code if code in LANGUAGES else "en"):
            return str(name)

    groups = []
    for key, name in DEFAULT_GROUPS:
        own = name_in(name, source_language)
        translations = {
            code: name_in(name, code)
            for code in languages
            if code != source_language and code in LANGUAGES and name_in(name, code) != own
        }
        groups.append({"key": key, "name": own, "share": 1, "name_translations": translations})
    return groups


def _render_settings(deliberation: Deliberation, failed=None):
    return render_template(
        "deliberations/settings.html",
        deliberation=deliberation,
        failed=failed,
        values=request.form if failed else {},
        scheme_options=_scheme_options(),
        section="settings",
    )


@bp.route("/d/<slug>/settings", methods=["GET", "POST"])
def settings(slug):
    """Edit a deliberation's settings (moderators)."""
    deliberation = _moderated(slug)
    if request.method == "GET":
        return _render_settings(deliberation)
    form = request.form
    return form_action(
        lambda: services.update_deliberation(
            current_user,
            deliberation,
            title=form.get("title", ""),
            description=form.get("description", ""),
            scheme=form.get("scheme", ""),
            languages=_language_list(form.get("languages")),
            source_language=form.get("source_language", ""),
            is_public=form.get("is_public"),
            observers_may_post=form.get("observers_may_post"),
        ),
        done=_("The settings were saved."),
        back=url_for(".settings", slug=slug),
        refused=_form_again("settings", lambda failed: _render_settings(_moderated(slug), failed)),
    )


@bp.post("/d/<slug>/status")
def change_status(slug):
    """Open, close or reopen the deliberation (moderators)."""
    deliberation = _moderated(slug)
    return form_action(
        lambda: services.update_deliberation(
            current_user, deliberation, status=request.form.get("status", "")
        ),
        done=_("The status was changed."),
        back=url_for(".settings", slug=slug),
        refused=_form_again("status", lambda failed: _render_settings(_moderated(slug), failed)),
    )


# --- stakeholder groups --------------------------------------------------------------------


def _render_groups(deliberation: Deliberation, failed=None):
    counts: dict = {}
    for membership in queries.memberships_of(deliberation):
        counts[membership.group_id] = counts.get(membership.group_id, 0) + 1
    other_languages = [
        code for code in deliberation.languages if code != deliberation.source_language
    ]
    return render_template(
        "deliberations/groups.html",
        deliberation=deliberation,
        member_counts=counts,
        other_languages=other_languages,
        translation_fields=[f"name_{code}" for code in other_languages],
        failed=failed,
        values=request.form if failed else {},
        section="groups",
    )


@bp.route("/d/<slug>/groups", methods=["GET", "POST"])
def groups(slug):
    """List the stakeholder groups; add one (moderators)."""
    deliberation = _moderated(slug)
    if request.method == "GET":
        return _render_groups(deliberation)
    form = request.form
    return form_action(
        lambda: services.add_group(
            current_user,
            deliberation,
            key=form.get("key", ""),
            name=form.get("name", ""),
            share=form.get("share", ""),
            name_translations=_name_translations_from(form, deliberation),
        ),
        done=_("The group was added."),
        back=url_for(".groups", slug=slug),
        refused=_form_again("add-group", lambda failed: _render_groups(_moderated(slug), failed)),
    )


@bp.post("/d/<slug>/groups/<key>")
def update_group(slug, key):
    """Rename a group or change its share (moderators)."""
    deliberation = _moderated(slug)
    group = queries.get_group(deliberation, key)
    form = request.form
    return form_action(
        lambda: services.update_group(
            current_user,
            group,
            name=form.get("name", ""),
            share=form.get("share", ""),
            # Names in languages the form does not show are kept; emptied ones removed.
            name_translations={
                **group.name_translations,
                **_name_translations_from(form, deliberation),
            },
        ),
        done=_("The group was saved."),
        back=url_for(".groups", slug=slug),
        refused=_form_again(
            f"group-{key}", lambda failed: _render_groups(_moderated(slug), failed)
        ),
    )


@bp.post("/d/<slug>/groups/<key>/remove")
def remove_group(slug, key):
    """Remove a group no member belongs to (moderators)."""
    deliberation = _moderated(slug)
    group = queries.get_group(deliberation, key)
    return form_action(
        lambda: services.remove_group(current_user, group),
        done=_("The group was removed."),
        back=url_for(".groups", slug=slug),
        refused=_form_again(
            f"group-{key}", lambda failed: _render_groups(_moderated(slug), failed)
        ),
    )


# --- members -------------------------------------------------------------------------------


def _render_members(deliberation: Deliberation, failed=None):
    return render_template(
        "deliberations/members.html",
        deliberation=deliberation,
        members=queries.memberships_of(deliberation),
        role_options=[(role, role_label(role)) for role in ROLES],
        failed=failed,
        values=request.form if failed else {},
        section="members",
    )


@bp.route("/d/<slug>/members", methods=["GET", "POST"])
def members(slug):
    """List the members; add an existing account as a member (moderators)."""
    deliberation = _moderated(slug)
    if request.method == "GET":
        return _render_members(deliberation)
    form = request.form
    return form_action(
        lambda: services.add_member(
            current_user,
            deliberation,
            email=form.get("email", ""),
            role=form.get("role", ""),
            group=form.get("group") or None,
            weight=form.get("weight", "1"),
        ),
        done=_("The member was added."),
        back=url_for(".members", slug=slug),
        refused=_form_again("add-member", lambda failed: _render_members(_moderated(slug), failed)),
    )


@bp.post("/d/<slug>/members/<int:member_id>")
def update_member(slug, member_id):
    """Change a member's role, group, weight or muting (moderators)."""
    deliberation = _moderated(slug)
    membership = queries.get_membership(deliberation, member_id)
    form = request.form
    return form_action(
        lambda: services.update_member(
            current_user,
            membership,
            role=form.get("role", ""),
            group=form.get("group") or None,
            weight=form.get("weight", ""),
            muted=form.get("muted"),
        ),
        done=_("The member was saved."),
        back=url_for(".members", slug=slug),
        refused=_form_again(
            f"member-{member_id}", lambda failed: _render_members(_moderated(slug), failed)
        ),
    )


@bp.post("/d/<slug>/members/<int:member_id>/remove")
def remove_member(slug, member_id):
    """Remove a member who has not taken part yet (moderators)."""
    deliberation = _moderated(slug)
    membership = queries.get_membership(deliberation, member_id)
    return form_action(
        lambda: services.remove_member(current_user, membership),
        done=_("The member was removed."),
        back=url_for(".members", slug=slug),
        refused=_form_again(
            f"member-{member_id}", lambda failed: _render_members(_moderated(slug), failed)
        ),
    )


# --- from the live session's console ----------------------------------------------------------
# The console (live/) shows these forms; the actions are the deliberation's own, so their
# routes are here, under the console's address, and lead back to it.


def _back_to_console(slug: str, anchor: str) -> str:
    return url_for("live.console", slug=slug) + anchor


@bp.post("/d/<slug>/console/members/<int:member_id>/mute")
def mute_member(slug, member_id):
    """Mute or unmute a member from the console (moderators)."""
    deliberation = _moderated(slug)
    muted = request.form.get("muted", "")

    def mute():
        membership = queries.get_membership(deliberation, member_id)
        services.update_member(current_user, membership, muted=muted)

    return form_action(
        mute,
        done=_("The member was muted.")
        if muted in ("1", "true", "on")
        else _("The member may speak again."),
        back=_back_to_console(slug, "#members"),
    )


@bp.post("/d/<slug>/console/items/<int:item_id>/status")
def console_item_status(slug, item_id):
    """Change an agenda item's status from the console (moderators)."""
    deliberation = _moderated(slug)

    def change():
        item = get_item_of(deliberation, item_id)
        services.update_item(current_user, item, status=request.form.get("status", ""))

    return form_action(
        change,
        done=_("The agenda item's status was changed."),
        back=_back_to_console(slug, "#agenda"),
    )


# --- agenda items --------------------------------------------------------------------------


def _render_agenda(deliberation: Deliberation, failed=None):
    return render_template(
        "deliberations/agenda.html",
        deliberation=deliberation,
        failed=failed,
        values=request.form if failed else {},
        section="agenda",
    )


@bp.route("/d/<slug>/agenda", methods=["GET", "POST"])
def agenda(slug):
    """Manage the agenda: add items, open and close them (moderators)."""
    deliberation = _moderated(slug)
    if request.method == "GET":
        return _render_agenda(deliberation)
    form = request.form
    return form_action(
        lambda: services.add_item(
            current_user,
            deliberation,
            title=form.get("title", ""),
            body=form.get("body", ""),
            numeral=form.get("numeral", ""),
            language=form.get("language") or None,
        ),
        done=_("The agenda item was added."),
        back=url_for(".agenda", slug=slug),
        refused=_form_again("add-item", lambda failed: _render_agenda(_moderated(slug), failed)),
    )


@bp.post("/d/<slug>/items/<int:item_id>/status")
def item_status(slug, item_id):
    """Open, close or reopen an agenda item (moderators)."""
    deliberation = _moderated(slug)
    agenda_item = get_item_of(deliberation, item_id)
    return form_action(
        lambda: services.update_item(
            current_user, agenda_item, status=request.form.get("status", "")
        ),
        done=_("The agenda item's status was changed."),
        back=url_for(".agenda", slug=slug),
        refused=_form_again(
            f"item-{item_id}", lambda failed: _render_agenda(_moderated(slug), failed)
        ),
    )


def _render_item_edit(deliberation: Deliberation, agenda_item, failed=None):
    languages = list(dict.fromkeys([*deliberation.languages, *_ui_languages()]))
    return render_template(
        "deliberations/item_edit.html",
        deliberation=deliberation,
        item=agenda_item,
        translation_languages=[code for code in languages if code != agenda_item.language],
        failed=failed,
        values=request.form if failed else {},
        section="agenda",
    )


def _render_item_edit_again(slug: str, item_id: int, failed: dict):
    """The item's edit page after a refusal (read afresh: the refusal rolled back)."""
    deliberation = _moderated(slug)
    return _render_item_edit(deliberation, get_item_of(deliberation, item_id), failed)


def _ui_languages() -> list[str]:
    return list(LANGUAGES)


@bp.route("/d/<slug>/items/<int:item_id>/edit", methods=["GET", "POST"])
def edit_item(slug, item_id):
    """Edit an agenda item's numeral, title, text and lock (moderators)."""
    deliberation = _moderated(slug)
    agenda_item = get_item_of(deliberation, item_id)
    if request.method == "GET":
        return _render_item_edit(deliberation, agenda_item)
    form = request.form
    return form_action(
        lambda: services.update_item(
            current_user,
            agenda_item,
            numeral=form.get("numeral", ""),
            title=form.get("title", ""),
            body=form.get("body", ""),
            locked=form.get("locked"),
        ),
        done=_("The agenda item was saved."),
        back=url_for(".edit_item", slug=slug, item_id=item_id),
        refused=_form_again(
            "edit-item", lambda failed: _render_item_edit_again(slug, item_id, failed)
        ),
    )


@bp.post("/d/<slug>/items/<int:item_id>/translations")
def item_translation(slug, item_id):
    """Add or replace the item's title and text in one language (moderators)."""
    deliberation = _moderated(slug)
    agenda_item = get_item_of(deliberation, item_id)
    form = request.form
    language = form.get("language", "")
    form_id = f"translation-{language}" if form.get("existing") else "add-translation"
    return form_action(
        lambda: services.set_item_translation(
            current_user,
            agenda_item,
            language=language,
            title=form.get("title", ""),
            body=form.get("body", ""),
        ),
        done=_("The translation was saved."),
        back=url_for(".edit_item", slug=slug, item_id=item_id),
        refused=_form_again(form_id, lambda failed: _render_item_edit_again(slug, item_id, failed)),
    )
