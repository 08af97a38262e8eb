"""Search in a deliberation (``GET /api/v1/deliberations/<slug>/search`` and the page), on
SQLite and on PostgreSQL: what each role finds, in each of the six UN languages, the index
following edits, translations, hides, items and summaries, bad input, pages of results."""

import random
import re

import pytest
from conftest import (
    login,
    make_deliberation,
    make_group,
    make_item,
    make_member,
    make_post,
    make_token,
    make_user,
)

from commonground.consensus import services as consensus
from commonground.db import db
from commonground.deliberations import services as deliberations
from commonground.discussion import services as discussion

#: One post per UN language; the query finds it (a two-character Chinese word included).
POSTS = {
    "en": ("Capacity building must reach the Global South first.", "capacity"),
    "fr": ("La gouvernance inclusive exige la participation de tous.", "gouvernance"),
    "es": ("La cooperación internacional fortalece la confianza mutua.", "cooperación"),
    "ru": ("Управление рисками требует прозрачности алгоритмов.", "прозрачности"),
    "zh": ("我们支持全球治理的多边合作机制", "治理"),
    "ar": ("يجب أن تكون حوكمة الذكاء الاصطناعي شاملة للجميع", "الذكاء"),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def forum(request):
    """A private and a public open deliberation, each role's token, a post per language,
    a hidden post, an item with a translation, a published summary and a draft."""
    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    private = make_deliberation("private-forum", languages=list(POSTS))
    public = make_deliberation("public-forum", public=True)
    group = make_group(private, "governments")
    users = {
        "moderator": make_user("mod@example.org", "Mo Moderator"),
        "delegate": make_user("delegate@example.org", "Dee Delegate"),
        "observer": make_user("observer@example.org", "Olga Observer"),
        "outsider": make_user("outsider@example.org", "Oscar Outsider"),
        "admin": make_user("admin@example.org", "Ada Admin", admin=True),
    }
    members = {
        "moderator": make_member(users["moderator"], private, "moderator"),
        "delegate": make_member(users["delegate"], private, "delegate", group),
        "observer": make_member(users["observer"], private, "observer"),
    }
    public_member = make_member(users["delegate"], public, "delegate")
    item = make_item(private, "Digital divide", body="Bridging the digital divide together.")
    public_item = make_item(public, "Open questions", body="Anyone may read this.")
    posts = {
        language: make_post(item, members["delegate"], body, language=language)
        for language, (body, _) in POSTS.items()
    }
    hidden = make_post(item, members["delegate"], "A secret rant about quarantined topics.")
    hidden.hidden, hidden.hidden_reason = True, "Off topic"
    make_post(public_item, public_member, "Public transparency matters.")
    db.session.commit()
    tokens = {role: make_token(user) for role, user in users.items()}
    db.session.commit()
    return {
        "app": app,
        "client": app.test_client(),
        "private": private,
        "public": public,
        "item": item,
        "users": users,
        "members": members,
        "posts": posts,
        "hidden": hidden,
        "tokens": tokens,
    }


def search(forum, q, role="delegate", slug="private-forum", **params):
    headers = {"Authorization": f"Bearer {forum['tokens'][role]}"} if role != "anonymous" else {}
    return forum["client"].get(
        f"/api/v1/deliberations/{slug}/search", query_string={"q": q, **params}, headers=headers
    )


def found(forum, q, role="delegate", **params) -> list[tuple[str, int]]:
    response = search(forum, q, role, **params)
    assert response.status_code == 200, response.get_json()
    return [(hit["kind"], hit["id"]) for hit in response.get_json()["items"]]


@pytest.mark.parametrize("language", list(POSTS))
def test_each_un_language_is_found_and_highlighted(forum, language):
    _body, query = POSTS[language]
    response = search(forum, query)
    hits = response.get_json()["items"]
    post = forum["posts"][language]
    assert [(h["kind"], h["id"]) for h in hits] == [("post", post.id)]
    hit = hits[0]
    assert hit["language"] == language and hit["item"] == forum["item"].id
    assert f"<mark>{query}</mark>" in hit["highlight"].lower()
    assert [hit["snippet"][a:b].lower() for a, b in hit["matches"]] == [query]
    assert hit["url"].endswith(f"/d/private-forum/items/{forum['item'].id}#post-{post.id}")


def test_a_single_chinese_character_and_mixed_terms_are_found(forum):
    zh = forum["posts"]["zh"].id
    assert found(forum, "治") == [("post", zh)]
    assert found(forum, "多边 治理") == [("post", zh)]
    # Every term must occur: a term found nowhere in that post finds nothing.
    assert found(forum, "治理 capacity") == []


def test_matching_ignores_case(forum):
    assert found(forum, "CAPACITY BUILDING") == [("post", forum["posts"]["en"].id)]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("observer", 200),
        ("delegate", 200),
        ("moderator", 200),
        ("admin", 200),
    ],
)
def test_a_private_deliberation_is_searched_by_its_readers_only(forum, role, status):
    response = search(forum, "capacity", role)
    assert response.status_code == status
    if status != 200:
        assert response.get_json()["error"]["code"] in ("unauthorized", "forbidden")


def test_anyone_searches_a_public_deliberation_and_finds_only_its_content(forum):
    response = search(forum, "transparency", "anonymous", slug="public-forum")
    assert response.status_code == 200
    hits = response.get_json()["items"]
    assert [h["kind"] for h in hits] == ["post"] and "Public" in hits[0]["snippet"]
    # The private deliberation's posts never appear in another deliberation's results.
    assert found(forum, "capacity", "delegate", slug="public-forum") == []


def test_an_unknown_deliberation_is_not_found(forum):
    assert search(forum, "capacity", slug="no-such-forum").status_code == 404


@pytest.mark.parametrize("role", ["observer", "delegate"])
def test_hidden_posts_are_found_by_moderators_only(forum, role):
    hidden = forum["hidden"].id
    assert found(forum, "quarantined", role) == []
    for moderator in ("moderator", "admin"):
        hits = search(forum, "quarantined", moderator).get_json()["items"]
        assert [(h["kind"], h["id"], h["hidden"]) for h in hits] == [("post", hidden, True)]


def test_edits_translations_and_hides_are_followed(forum):
    en = forum["posts"]["en"]
    delegate, moderator = forum["users"]["delegate"], forum["users"]["moderator"]
    discussion.edit_post(delegate, en, body="Literacy programmes for every village.")
    db.session.commit()
    assert found(forum, "capacity") == []
    assert found(forum, "literacy") == [("post", en.id)]

    discussion.translate_post(
        delegate, en, language="fr", body="Des programmes d'alphabétisation.", rate_limited=False
    )
    db.session.commit()
    hits = search(forum, "alphabétisation").get_json()["items"]
    assert [(h["kind"], h["post"], h["language"]) for h in hits] == [("translation", en.id, "fr")]

    discussion.hide_post(moderator, en, reason="Duplicate")
    db.session.commit()
    assert found(forum, "literacy") == [] and found(forum, "alphabétisation") == []
    assert {kind for kind, _ in found(forum, "literacy", "moderator")} == {"post"}
    assert {kind for kind, _ in found(forum, "alphabétisation", "moderator")} == {"translation"}


def test_items_their_translations_and_summaries_are_found(forum):
    item, moderator = forum["item"], forum["users"]["moderator"]
    assert found(forum, "digital divide") == [("item", item.id)]
    deliberations.update_item(moderator, item, title="Fracture numérique", body="Ensemble.")
    translation, _ = deliberations.set_item_translation(
        moderator, item, language="zh", title="数字鸿沟", body="共同弥合数字鸿沟。"
    )
    db.session.commit()
    assert found(forum, "digital divide") == []
    assert found(forum, "numérique") == [("item", item.id)]
    assert found(forum, "鸿沟") == [("item_translation", translation.id)]

    draft = consensus.create_summary(
        moderator, item, language="en", agreements="Shared infrastructure for connectivity."
    )
    db.session.commit()
    assert found(forum, "connectivity") == []
    assert search(forum, "connectivity", "moderator").get_json()["items"][0]["draft"] is True
    consensus.publish_summary(moderator, draft)
    db.session.commit()
    hits = search(forum, "connectivity").get_json()["items"]
    assert [(h["kind"], h["id"], h["draft"]) for h in hits] == [("summary", draft.id, False)]
    assert hits[0]["url"].endswith(f"/d/private-forum/summaries/{draft.id}")


def test_results_are_ranked_and_paged(forum):
    item, author = forum["item"], forum["members"]["delegate"]
    strong = make_post(item, author, "Solidarity, solidarity and again solidarity.")
    weak = [
        make_post(item, author, f"Post {n} mentions solidarity once among many other words.")
        for n in range(4)
    ]
    db.session.commit()
    first = search(forum, "solidarity", per_page=2).get_json()
    assert first["has_more"] is True and first["page"] == 1 and len(first["items"]) == 2
    assert first["items"][0]["id"] == strong.id
    assert first["items"][0]["score"] >= first["items"][1]["score"]
    pages = [first["items"]]
    for page in (2, 3):
        pages.append(search(forum, "solidarity", per_page=2, page=page).get_json()["items"])
    ids = [hit["id"] for page in pages for hit in page]
    assert sorted(ids) == sorted([strong.id, *(p.id for p in weak)])
    last = search(forum, "solidarity", per_page=2, page=3).get_json()
    assert last["has_more"] is False and len(last["items"]) == 1


def test_the_newest_matches_are_ranked_and_older_ones_follow_newest_first(forum, monkeypatch):
    from commonground.search import queries

    monkeypatch.setattr(queries, "RANKED_WINDOW", 3)
    item, author = forum["item"], forum["members"]["delegate"]
    oldest = make_post(item, author, "Solidarity, solidarity and again solidarity.")
    older = make_post(item, author, "One more word on solidarity here, among others.")
    weak = make_post(item, author, "Another post that names solidarity once, among others.")
    strong = make_post(item, author, "Solidarity and solidarity.")
    newest = make_post(item, author, "The last post speaks of solidarity once, among others.")
    hidden = make_post(item, author, "Solidarity hidden.", hidden=True, hidden_reason="x")
    db.session.commit()
    # The window holds the newest matches the reader may see: hidden posts take a place in
    # it for moderators only.
    for role, window, rest in (
        ("delegate", {weak, strong, newest}, [older, oldest]),
        ("moderator", {strong, newest, hidden}, [weak, older, oldest]),
    ):
        hits = search(forum, "solidarity", role, per_page=50).get_json()["items"]
        assert {hit["id"] for hit in hits[:3]} == {post.id for post in window}
        assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"] > 0
        assert [(hit["id"], hit["score"]) for hit in hits[3:]] == [(p.id, 0.0) for p in rest]
    everything = [hit["id"] for hit in search(forum, "solidarity", per_page=50).get_json()["items"]]
    assert everything[0] == strong.id
    # Pages of two, across the window's edge, give each result once, in the same order.
    paged, page, more = [], 1, True
    while more:
        body = search(forum, "solidarity", per_page=2, page=page).get_json()
        paged += [hit["id"] for hit in body["items"]]
        more, page = body["has_more"], page + 1
    assert paged == everything and page == 4


def test_searching_the_newest_texts_first_finds_what_searching_all_finds(forum, monkeypatch):
    """PostgreSQL looks among the texts created since the ``RECENT_POSTS``-th newest post
    first: whether those hold the window and the page or not, the results are the same."""
    from commonground.search import queries

    monkeypatch.setattr(queries, "RANKED_WINDOW", 3)
    item, author = forum["item"], forum["members"]["delegate"]
    for n in range(8):
        make_post(item, author, f"Solidarity note {n}: " + "solidarity " * (n % 3) + "ends.")
        make_post(item, author, f"Unrelated remark {n} on something else.")
    make_post(item, author, "Solidarity hidden.", hidden=True, hidden_reason="x")
    db.session.commit()

    def everything():
        return {
            (role, q, per_page, page): [
                (hit["kind"], hit["id"], hit["score"])
                for hit in search(forum, q, role, per_page=per_page, page=page).get_json()["items"]
            ]
            for role in ("delegate", "moderator")
            for q in ("solidarity", "so", "治", "ends solid", "digital")
            for per_page, page in ((2, 1), (2, 3), (50, 1))
        }

    monkeypatch.setattr(queries, "RECENT_POSTS", 10_000)
    searched_whole = everything()
    assert [hit[1] for hit in searched_whole[("delegate", "solidarity", 50, 1)]]
    for recent in (1, 4, 12):
        monkeypatch.setattr(queries, "RECENT_POSTS", recent)
        assert everything() == searched_whole, recent


def test_short_terms_of_letters_and_digits_are_found_whatever_their_case(forum):
    item, author = forum["item"], forum["members"]["delegate"]
    post = make_post(item, author, "Le 5G et l'IA: Ёлка, x7 et 鸿沟.")
    db.session.commit()
    for term in ("5g", "5", "ia", "Ia", "ёл", "ЁЛ", "X7", "7", "鸿", "沟"):
        assert ("post", post.id) in found(forum, term), term
    assert found(forum, "l'") == [("post", post.id)]
    assert found(forum, "7x") == []
    assert found(forum, "Ж") == []


def test_the_longest_texts_are_indexed_and_found(forum):
    """The longest texts of every kind, made of characters that are all different (the most
    distinct character pairs: what the PostgreSQL pair index holds), are stored and found."""
    from commonground.discussion.rules import MAX_BODY_LENGTH

    item, delegate = forum["item"], forum["users"]["delegate"]
    moderator = forum["users"]["moderator"]
    many = "".join(chr(0x4E00 + n) for n in range(20_902))  # the CJK Unified Ideographs
    post = discussion.create_post(
        delegate, item, body=many[:MAX_BODY_LENGTH], language="zh", rate_limited=False
    )
    translation = discussion.translate_post(
        delegate, post, language="ja", body=many[-MAX_BODY_LENGTH:], rate_limited=False
    )
    # 150,000 characters in a summary, most of their pairs different (their pairs would not
    # fit in one tsvector: items and summaries have no pair index).
    draw = random.Random(14)
    sections = [
        "".join(draw.choice(many) for _ in range(49_998)) + many[10_000:10_002] for _ in range(3)
    ]
    deliberations.update_item(moderator, item, title="Long", body=sections[0])
    summary = consensus.create_summary(
        moderator,
        item,
        language="zh",
        agreements=sections[0],
        divergences=sections[1],
        recommendations=sections[2],
    )
    consensus.publish_summary(moderator, summary)
    db.session.commit()
    hits = set(found(forum, many[10_000:10_002], per_page=50))
    assert hits == {
        ("post", post.id),
        ("translation", translation.id),
        ("item", item.id),
        ("summary", summary.id),
    }


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({}, "q", "query_missing"),
        ({"q": ""}, "q", "query_missing"),
        ({"q": "   "}, "q", "query_missing"),
        ({"q": "x" * 201}, "q", "query_too_long"),
        ({"q": "a b c d e f g h i"}, "q", "query_too_many_terms"),
        ({"q": "ok", "page": "0"}, "page", "invalid"),
        ({"q": "ok", "page": "two"}, "page", "invalid"),
        ({"q": "ok", "per_page": "51"}, "per_page", "invalid"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(forum, params, field, code):
    response = forum["client"].get(
        "/api/v1/deliberations/private-forum/search",
        query_string=params,
        headers={"Authorization": f"Bearer {forum['tokens']['delegate']}"},
    )
    assert response.status_code == 422
    assert response.is_json
    error = response.get_json()["error"]
    assert error["field"] == field and error["code"] == code and error["message"]


def test_query_syntax_and_wildcards_are_searched_as_text(forum):
    item, author = forum["item"], forum["members"]["delegate"]
    post = make_post(item, author, 'A 100% "quoted" NEAR(x) phrase_with_underscore.')
    db.session.commit()
    assert found(forum, "100%") == [("post", post.id)]
    assert found(forum, '"quoted"') == [("post", post.id)]
    assert found(forum, "NEAR(x)") == [("post", post.id)]
    assert found(forum, "e_w") == [("post", post.id)]
    assert found(forum, "%") == [("post", post.id)]
    assert found(forum, "_") == [("post", post.id)]


def test_markup_in_posts_and_queries_is_escaped(forum):
    item, author = forum["item"], forum["members"]["delegate"]
    make_post(item, author, "<img src=x onerror=alert(1)> governance <script>x</script>")
    db.session.commit()
    hit = search(forum, "<img").get_json()["items"][0]
    assert "<img" not in hit["highlight"] and "<mark>&lt;img</mark>" in hit["highlight"]
    login(forum["client"], "delegate@example.org")
    page = forum["client"].get("/d/private-forum/search", query_string={"q": "<script>"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<script>x" not in html and "<mark>&lt;script&gt;</mark>" in html


def test_the_page_shows_results_and_every_deliberation_page_has_the_box(forum):
    client, item = forum["client"], forum["item"]
    login(client, "delegate@example.org")
    for path in (
        "/d/private-forum",
        f"/d/private-forum/items/{item.id}",
        f"/d/private-forum/items/{item.id}/summaries",
        f"/d/private-forum/items/{item.id}/common-ground",
    ):
        html = client.get(path).get_data(as_text=True)
        assert 'action="/d/private-forum/search"' in html and 'role="search"' in html, path
    html = client.get("/d/private-forum/search?q=治理").get_data(as_text=True)
    assert "<mark>治理</mark>" in html
    assert f'href="/d/private-forum/items/{item.id}#post-{forum["posts"]["zh"].id}"' in html
    empty = client.get("/d/private-forum/search?q=" + "x" * 201)
    assert empty.status_code == 422 and 'role="alert"' in empty.get_data(as_text=True)
    assert client.get("/d/private-forum/search").status_code == 200


def test_the_page_is_translated(forum):
    client = forum["client"]
    login(client, "delegate@example.org")
    html = client.get("/d/private-forum/search?q=治理&lang=zh").get_data(as_text=True)
    assert re.search(r"<h1>[^<]*搜索", html), html[:2000]


def test_the_page_refuses_who_may_not_read(forum):
    assert forum["client"].get("/d/private-forum/search?q=x").status_code == 302


def test_short_terms_standing_for_too_many_trigrams_are_checked_in_the_text(forum, monkeypatch):
    from commonground.search import queries

    monkeypatch.setattr(queries, "MAX_EXPANSIONS", 0)
    zh = forum["posts"]["zh"].id
    assert found(forum, "治理") == [("post", zh)]
    assert found(forum, "多边 治理") == [("post", zh)]
    assert found(forum, "宇宙") == []
