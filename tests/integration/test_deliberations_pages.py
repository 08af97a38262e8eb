"""The deliberation pages and the moderators' forms, which work without JavaScript.

Same world as the API tests: `ai-2026` is private and open, with a member of every role.
"""

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from conftest import ROLES, csrf_token, login, make_deliberation, make_item

from commonground.db import db
from commonground.deliberations.models import (
    AgendaItem,
    AgendaItemTranslation,
    Deliberation,
    Membership,
    StakeholderGroup,
)
from commonground.records.models import AuditEvent

READERS = {"observer", "delegate", "moderator", "admin"}
MODERATORS = {"moderator", "admin"}


class Page(HTMLParser):
    """The parts of a page the tests look at: elements by id, labels, headings, landmarks."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: dict[str, dict] = {}
        self.duplicate_ids: list[str] = []
        self.labels_for: set[str] = set()
        self.controls: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self._text_of: list[tuple[str, list]] = []
        self.texts: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        attrs["_tag"] = tag
        self.tags.append((tag, attrs))
        if "id" in attrs:
            if attrs["id"] in self.elements:
                self.duplicate_ids.append(attrs["id"])
            self.elements[attrs["id"]] = attrs
            if tag not in ("input", "br", "img", "meta", "link"):
                self._text_of.append((attrs["id"], []))
        if tag == "label" and "for" in attrs:
            self.labels_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.controls.append(attrs)

    def handle_data(self, data):
        for _, parts in self._text_of:
            parts.append(data)

    def handle_endtag(self, tag):
        if self._text_of and self.elements[self._text_of[-1][0]]["_tag"] == tag:
            element_id, parts = self._text_of.pop()
            self.texts[element_id] = " ".join("".join(parts).split())

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


def sign_in_as(client, world, role: str) -> None:
    if role != "anonymous":
        login(client, world.users[role].email)


def submit(client, path: str, data: dict | None = None):
    """Post a form as the browser would, with the page's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client)})


def events() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def expected_page_status(role: str, allowed: set[str]) -> int:
    return 200 if role in allowed else 302 if role == "anonymous" else 403


# --- who sees which page -----------------------------------------------------------------

READ_PAGES = ["/d/ai-2026", "/d/ai-2026/items/{item}"]
MANAGE_PAGES = [
    "/d/ai-2026/settings",
    "/d/ai-2026/groups",
    "/d/ai-2026/members",
    "/d/ai-2026/agenda",
    "/d/ai-2026/items/{item}/edit",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", READ_PAGES)
def test_members_and_admins_read_the_pages_of_a_private_deliberation(client, world, role, path):
    sign_in_as(client, world, role)
    response = client.get(path.format(item=world.item.id))
    assert response.status_code == expected_page_status(role, READERS)
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", MANAGE_PAGES)
def test_only_moderators_and_admins_see_the_management_pages(client, world, role, path):
    sign_in_as(client, world, role)
    response = client.get(path.format(item=world.item.id))
    assert response.status_code == expected_page_status(role, MODERATORS)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_the_new_deliberation_form(client, world, role):
    sign_in_as(client, world, role)
    response = client.get("/deliberations/new")
    assert response.status_code == expected_page_status(role, {"admin"})


@pytest.mark.parametrize("role", ROLES)
def test_a_public_deliberation_is_open_to_every_visitor(client, world, role):
    public = make_deliberation("public-forum", public=True, title="Open to all")
    item = make_item(public, "Everyone reads this")
    db.session.commit()
    sign_in_as(client, world, role)
    assert "Open to all" in client.get("/d/public-forum").get_data(as_text=True)
    assert client.get(f"/d/public-forum/items/{item.id}").status_code == 200
    assert client.get("/d/nowhere").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_only_by_its_moderators_and_admins(client, world, role):
    world.deliberation.status = "draft"
    db.session.commit()
    sign_in_as(client, world, role)
    assert client.get("/d/ai-2026").status_code == expected_page_status(role, MODERATORS)


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("anonymous", {"Open to all"}),
        ("observer", {"Open to all", "Deliberation ai-2026"}),
        ("delegate", {"Open to all", "Deliberation ai-2026"}),
        ("other_moderator", {"Open to all", "Deliberation other-forum"}),
        ("moderator", {"Open to all", "Deliberation ai-2026"}),
        ("admin", {"Open to all", "Deliberation ai-2026", "Deliberation other-forum"}),
    ],
)
def test_the_home_page_lists_the_deliberations_the_visitor_may_read(client, world, role, visible):
    make_deliberation("public-forum", public=True, title="Open to all")
    db.session.commit()
    sign_in_as(client, world, role)
    html = client.get("/").get_data(as_text=True)
    shown = {
        t for t in ("Open to all", "Deliberation ai-2026", "Deliberation other-forum") if t in html
    }
    assert shown == visible
    assert ('href="/deliberations/new"' in html) is (role == "admin")


def test_an_item_of_another_deliberation_is_not_found_under_this_one(client, world):
    stray = make_item(world.other, "Elsewhere")
    db.session.commit()
    login(client, "admin@example.org")
    assert client.get(f"/d/ai-2026/items/{stray.id}").status_code == 404
    assert client.get(f"/d/ai-2026/items/{stray.id}/edit").status_code == 404


# --- what the pages show -----------------------------------------------------------------


def test_the_deliberation_page_shows_the_agenda_groups_and_members(client, world):
    second = make_item(world.deliberation, "Second item", status="pending", numeral="II")
    db.session.add(AgendaItemTranslation(item=second, language="fr", title="Deuxième point"))
    db.session.commit()
    login(client, "delegate@example.org")
    html = client.get("/d/ai-2026").get_data(as_text=True)
    agenda = html[html.index('<ol class="agenda" id="agenda-list">') : html.index("</ol>")]
    assert agenda.index("First item") < agenda.index("Second item")
    assert "status-open" in agenda and "status-pending" in agenda
    assert ">II<" in agenda
    assert f'href="/d/ai-2026/items/{second.id}"' in agenda
    # Beside each item, the printable record of that item alone.
    record = f"/api/v1/deliberations/ai-2026/record.html?item={second.id}&amp;lang=en"
    assert f'href="{record}">Printable record of item II</a>' in agenda
    assert client.get(record.replace("&amp;", "&")).status_code == 200
    parsed = page(client.get("/d/ai-2026"))
    groups_table = html[html.index('id="groups-heading"') : html.index('id="members-heading"')]
    assert '<th scope="row">Governments</th>' in groups_table
    assert parsed.texts["members-governments"] == "Governments"
    members = html[html.index('id="members-heading"') :]
    assert members.index("Dee Delegate") < members.index("Dora Delegate")
    assert "Olga Observer" in members and "Mo Moderator" in members
    assert "Manage this deliberation" not in html

    french = client.get("/d/ai-2026?lang=fr").get_data(as_text=True)
    assert "Deuxième point" in french and "Second item" not in french


def test_moderators_see_the_management_navigation(client, world):
    login(client, "mod@example.org")
    html = client.get("/d/ai-2026").get_data(as_text=True)
    assert 'aria-label="Manage this deliberation"' in html
    assert 'href="/d/ai-2026/members"' in html


def test_the_item_page_shows_the_text_in_the_readers_language_with_a_switch(client, world):
    db.session.add(
        AgendaItemTranslation(
            item=world.item, language="fr", title="Premier point", body="Le texte du premier."
        )
    )
    db.session.commit()
    login(client, "observer@example.org")
    path = f"/d/ai-2026/items/{world.item.id}"
    english = page(client.get(path))
    assert "First item" in english.texts["item-title"]
    assert "translation" not in client.get(path).get_data(as_text=True).lower()

    french_html = client.get(path + "?lang=fr").get_data(as_text=True)
    assert "Premier point" in french_html and "Le texte du premier." in french_html
    assert 'class="flash translation-note"' in french_html
    assert "show=original" in french_html

    original = client.get(path + "?lang=fr&show=original").get_data(as_text=True)
    assert "First item" in original and "The text of the first item." in original


def test_a_translated_title_without_text_shows_the_original_text_marked_as_such(client, world):
    db.session.add(AgendaItemTranslation(item=world.item, language="fr", title="Premier point"))
    db.session.commit()
    login(client, "observer@example.org")
    response = client.get(f"/d/ai-2026/items/{world.item.id}?lang=fr")
    parsed = page(response)
    assert "Premier point" in parsed.texts["item-title"]
    body = next(attrs for tag, attrs in parsed.tags if attrs.get("class") == "item-body")
    assert body["lang"] == "en"
    assert "The text of the first item." in response.get_data(as_text=True)


# --- the forms: who may use them, and what they do ---------------------------------------


def _spare_group(world):
    db.session.add(
        StakeholderGroup(deliberation=world.deliberation, key="spare", name="Spare", position=5)
    )
    db.session.commit()


def _deliberation(slug="ai-2026"):
    return db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == slug))


def _group(key):
    return db.session.scalar(sa.select(StakeholderGroup).where(StakeholderGroup.key == key))


FORMS = {
    "settings": (
        "/d/ai-2026/settings",
        {
            "title": "Renamed",
            "description": "About",
            "scheme": "members",
            "languages": "en, fr, ar",
            "source_language": "en",
            "is_public": "on",
        },
        lambda w: (
            (_deliberation().title, _deliberation().languages, _deliberation().is_public)
            == ("Renamed", ["en", "fr", "ar"], True)
        ),
    ),
    "status": (
        "/d/ai-2026/status",
        {"status": "closed"},
        lambda w: _deliberation().status == "closed",
    ),
    "add group": (
        "/d/ai-2026/groups",
        {"key": "enterprises", "name": "Enterprises", "share": "2", "name_fr": "Entreprises"},
        lambda w: _group("enterprises").name_translations == {"fr": "Entreprises"},
    ),
    "update group": (
        "/d/ai-2026/groups/governments",
        {"name": "Governments", "share": "5"},
        lambda w: _group("governments").share == 5,
    ),
    "remove group": (
        "/d/ai-2026/groups/spare/remove",
        {},
        lambda w: _group("spare") is None,
    ),
    "add member": (
        "/d/ai-2026/members",
        {"email": "outsider@example.org", "role": "observer", "group": "", "weight": "1"},
        lambda w: (
            db.session.scalar(
                sa.select(Membership.role).where(Membership.user_id == w.users["outsider"].id)
            )
            == "observer"
        ),
    ),
    "update member": (
        "/d/ai-2026/members/{delegate2}",
        {"role": "delegate", "group": "governments", "weight": "3", "muted": "on"},
        lambda w: (
            (
                db.session.get(Membership, w.memberships["delegate2"].id).weight,
                db.session.get(Membership, w.memberships["delegate2"].id).muted,
            )
            == (3, True)
        ),
    ),
    "remove member": (
        "/d/ai-2026/members/{delegate2}/remove",
        {},
        lambda w: db.session.get(Membership, w.memberships["delegate2"].id) is None,
    ),
    "add item": (
        "/d/ai-2026/agenda",
        {"numeral": "", "title": "Second item", "body": "More", "language": "en"},
        lambda w: [i.title for i in _deliberation().items] == ["First item", "Second item"],
    ),
    "item status": (
        "/d/ai-2026/items/{item}/status",
        {"status": "closed"},
        lambda w: db.session.get(AgendaItem, w.item.id).status == "closed",
    ),
    "edit item": (
        "/d/ai-2026/items/{item}/edit",
        {"numeral": "I", "title": "First, edited", "body": "New text", "locked": "on"},
        lambda w: (
            (db.session.get(AgendaItem, w.item.id).title, w.item.locked) == ("First, edited", True)
        ),
    ),
    "translate item": (
        "/d/ai-2026/items/{item}/translations",
        {"language": "fr", "title": "Premier point", "body": "Texte"},
        lambda w: db.session.get(AgendaItem, w.item.id).translation("fr").title == "Premier point",
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", FORMS)
def test_only_moderators_and_admins_use_the_management_forms(client, world, role, action):
    _spare_group(world)
    path, data, took_effect = FORMS[action]
    path = path.format(item=world.item.id, delegate2=world.memberships["delegate2"].id)
    sign_in_as(client, world, role)
    before = events()
    response = submit(client, path, data)
    db.session.rollback()
    if role in MODERATORS:
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        assert took_effect(world)
        assert events() > before
        follow = client.get(response.headers["Location"])
        assert "flash-success" in follow.get_data(as_text=True)
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert events() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_create_deliberations_through_the_form(client, world, role):
    sign_in_as(client, world, role)
    response = submit(
        client,
        "/deliberations/new",
        {
            "title": "Gouvernance",
            "slug": "ai-2027",
            "scheme": "groups",
            "languages": "en, fr",
            "source_language": "en",
            "default_groups": "on",
        },
    )
    db.session.rollback()
    created = _deliberation("ai-2027")
    if role == "admin":
        assert response.status_code == 303
        assert response.headers["Location"] == "/d/ai-2027"
        assert created.status == "draft"
        assert [g.key for g in created.groups] == [
            "governments",
            "international_organizations",
            "enterprises",
            "research_institutions",
            "civil_society",
            "individual_citizens",
        ]
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert created is None


def test_a_form_without_its_csrf_token_is_refused(client, world):
    login(client, "mod@example.org")
    response = client.post("/d/ai-2026/status", data={"status": "closed"})
    assert response.status_code == 400
    db.session.rollback()
    assert _deliberation().status == "open"


# --- refused input: the message beside the field, the values kept ------------------------

BAD_FORMS = [
    (
        "/deliberations/new",
        {"title": "Kept title", "slug": "Not A Slug", "languages": "en"},
        "create-slug",
        "Kept title",
    ),
    ("/deliberations/new", {"title": "", "slug": "fine"}, "create-title", "fine"),
    (
        "/deliberations/new",
        {"title": "T", "slug": "ai-2026", "languages": "en"},
        "create-slug",
        "T",
    ),
    (
        "/deliberations/new",
        {"title": "T", "slug": "ok", "languages": "en, ??"},
        "create-languages",
        "T",
    ),
    (
        "/d/ai-2026/settings",
        {"title": "", "scheme": "groups", "languages": "en"},
        "settings-title",
        None,
    ),
    (
        "/d/ai-2026/settings",
        {"title": "Kept", "scheme": "votes", "languages": "en", "source_language": "en"},
        "settings-scheme",
        "Kept",
    ),
    (
        "/d/ai-2026/groups",
        {"key": "new", "name": "Kept name", "share": "0"},
        "add-group-share",
        "Kept name",
    ),
    (
        "/d/ai-2026/groups",
        {"key": "governments", "name": "Dup", "share": "1"},
        "add-group-key",
        "Dup",
    ),
    (
        "/d/ai-2026/groups/governments",
        {"name": "Gov", "share": "x"},
        "group-governments-share",
        "Gov",
    ),
    (
        "/d/ai-2026/members",
        {"email": "stranger@example.org", "role": "observer", "weight": "1"},
        "add-member-email",
        "stranger@example.org",
    ),
    (
        "/d/ai-2026/members",
        {"email": "outsider@example.org", "role": "delegate", "group": "", "weight": "1"},
        "add-member-group",
        "outsider@example.org",
    ),
    (
        "/d/ai-2026/members/{delegate}",
        {"role": "delegate", "group": "governments", "weight": "0"},
        "member-{delegate}-weight",
        None,
    ),
    ("/d/ai-2026/agenda", {"title": "", "body": "Kept body"}, "add-item-title", "Kept body"),
    (
        "/d/ai-2026/items/{item}/edit",
        {"title": "", "body": "Kept body"},
        "edit-item-title",
        "Kept body",
    ),
    (
        "/d/ai-2026/items/{item}/translations",
        {"language": "en", "title": "Kept", "body": ""},
        "add-translation-language",
        "Kept",
    ),
]


@pytest.mark.parametrize(("path", "data", "input_id", "kept"), BAD_FORMS)
def test_a_refused_form_shows_the_error_beside_its_field_and_keeps_the_values(
    client, world, path, data, input_id, kept
):
    login(client, "admin@example.org")
    ids = {"item": world.item.id, "delegate": world.memberships["delegate"].id}
    before = events()
    response = submit(client, path.format(**ids), data)
    assert response.status_code == 422
    parsed = page(response)
    input_id = input_id.format(**ids)
    control = parsed.elements[input_id]
    assert control.get("aria-invalid") == "true"
    assert f"{input_id}-error" in control["aria-describedby"].split()
    assert parsed.texts[f"{input_id}-error"]
    assert 'role="alert"' in response.get_data(as_text=True)
    if kept is not None:
        assert kept in response.get_data(as_text=True)
    db.session.rollback()
    assert events() == before


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/d/ai-2026/status", {"status": "draft"}, "cannot go from"),
        ("/d/ai-2026/items/{item}/status", {"status": "pending"}, "cannot go from"),
        ("/d/ai-2026/groups/governments/remove", {}, "Members still belong"),
    ],
)
def test_a_refused_state_change_explains_itself_on_the_page(client, world, path, data, message):
    login(client, "mod@example.org")
    response = submit(client, path.format(item=world.item.id), data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_member_who_has_posted_cannot_be_removed_from_the_page(client, world):
    from commonground.discussion.models import Post

    db.session.add(
        Post(
            item_id=world.item.id,
            author_id=world.memberships["delegate"].id,
            body="Hi",
            language="en",
        )
    )
    db.session.commit()
    login(client, "mod@example.org")
    response = submit(client, f"/d/ai-2026/members/{world.memberships['delegate'].id}/remove")
    assert response.status_code == 422
    assert "has taken part" in response.get_data(as_text=True)


# --- accessible markup -------------------------------------------------------------------

ALL_PAGES = [
    "/",
    "/deliberations/new",
    *READ_PAGES,
    *MANAGE_PAGES,
]


@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_has_one_heading_landmarks_and_a_label_for_every_field(client, world, path):
    db.session.add(AgendaItemTranslation(item=world.item, language="fr", title="Premier"))
    db.session.commit()
    login(client, "admin@example.org")
    for language in ("en", "ar"):
        response = client.get(path.format(item=world.item.id) + f"?lang={language}")
        assert response.status_code == 200
        parsed = page(response)
        html_tag = next(attrs for tag, attrs in parsed.tags if tag == "html")
        assert html_tag["lang"] == language
        assert html_tag["dir"] == ("rtl" if language == "ar" else "ltr")
        assert parsed.count("h1") == 1
        assert parsed.count("main") == 1 and parsed.count("header") >= 1
        assert not parsed.duplicate_ids, parsed.duplicate_ids
        for control in parsed.controls:
            labelled = (
                control.get("id") in parsed.labels_for
                or control.get("aria-label")
                or control.get("aria-labelledby")
            )
            assert labelled, f"unlabelled {control} on {path}"
        for tag, attrs in parsed.tags:
            if tag == "nav":
                assert attrs.get("aria-label"), f"unnamed navigation on {path}"


def test_the_stylesheet_uses_logical_properties_for_the_deliberation_pages():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/css/main.css").read_text()
    block = css[css.index("/* Deliberation pages") :]
    for physical in (
        "margin-left",
        "margin-right",
        "padding-left",
        "padding-right",
        "left:",
        "right:",
    ):
        assert physical not in block


def test_the_source_attribution_carries_the_language_it_is_written_in(client, world):
    world.item.attribution = "Source: the Action Plan."
    db.session.commit()
    login(client, "delegate@example.org")
    html = client.get(f"/d/ai-2026/items/{world.item.id}?lang=ar").get_data(as_text=True)
    assert '<p class="meta" lang="en" dir="auto">Source: the Action Plan.</p>' in html
