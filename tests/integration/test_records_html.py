"""record.html: a self-contained, localised, printable document with the agenda, summaries,
per-group charts of every result, participation, notable common ground and every post."""

import base64
import hashlib
import re

import pytest
from test_records_world import DRAFT_MARKER, HIDDEN_MARKERS, HIDE_REASON, build_record_world

URL = "/api/v1/deliberations/ai-2026/record.html"


def fetch(client, headers, query="") -> tuple[str, object]:
    response = client.get(URL + query, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:300]
    return html, response


@pytest.fixture
def built(app, world):
    return build_record_world(world)


def test_the_record_has_every_part_a_reader_expects(client, world, built):
    html, _ = fetch(client, world.headers("observer"))
    for anchor in (
        "agenda-title",
        "participation",
        f"item-{built.item}",
        "appendix-posts",
        "integrity",
        f"motion-{built.open_motion}",
        f"post-{built.reply}",
    ):
        assert f'id="{anchor}"' in html, anchor
    assert "Everyone supports <strong>transparency</strong>." in html  # the published summary
    assert "Notable common ground" in html
    # One SVG bar per group of each closed motion, and per group in participation.
    motion = html[html.index(f'id="motion-{built.open_motion}"') :]
    motion = motion[: motion.index('<div class="motion"', 10)]
    assert motion.count('<svg class="bar"') == 2
    assert "Adopted" in motion


def test_the_document_is_self_contained_and_its_csp_allows_only_its_stylesheet(
    client, world, built
):
    html, response = fetch(client, world.headers("observer"))
    assert "<script" not in html and "<link" not in html and "src=" not in html
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    csp = response.headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert "@media print" in css and "@page" in css


def test_the_record_is_localised_and_right_to_left_in_arabic(client, world, built):
    html, _ = fetch(client, world.headers("observer"), "?lang=ar")
    assert '<html lang="ar" dir="rtl">' in html
    html, _ = fetch(client, world.headers("observer"), "?lang=fr")
    assert '<html lang="fr" dir="ltr">' in html
    assert "Premier point" in html  # the item's French title
    # The title is French, the text (not translated) keeps its English; motions are marked.
    item = html[html.index(f'id="item-{built.item}-title"') :]
    assert '<span lang="fr">Premier point</span>' in item[:300]
    assert '<div class="body" lang="en" dir="auto">' in item[:1000]
    assert 'class="body" lang="en" dir="auto"><p>' in html[html.index('<div class="motion"') :]
    assert "Nous sommes d" in html and "accord." in html  # the post's French translation


def test_readers_see_only_the_reason_of_a_hidden_post(client, world, built):
    html, _ = fetch(client, world.headers("delegate"))
    for marker in (*HIDDEN_MARKERS, DRAFT_MARKER):
        assert marker not in html
    post = html[html.index(f'id="post-{built.hidden_post}"') :]
    post = post[: post.index("</article>")]
    assert HIDE_REASON in post


def test_moderators_see_hidden_text_flagged(client, world, built):
    html, _ = fetch(client, world.headers("moderator"))
    post = html[html.index(f'id="post-{built.hidden_post}"') :]
    post = post[: post.index("</article>")]
    assert "Hidden by a moderator" in post and HIDDEN_MARKERS[0] in post
    assert "1 draft version is not published" in html


def test_the_record_cites_the_digest_of_the_json_record(client, world, built):
    import json

    html, _ = fetch(client, world.headers("observer"))
    response = client.get(
        "/api/v1/deliberations/ai-2026/record.json", headers=world.headers("observer")
    )
    integrity = json.loads(response.get_data())["integrity"]
    assert integrity["body_sha256"] in html
    assert integrity["audit_head"] in html


def test_two_printable_records_of_a_closed_deliberation_are_identical(app, client, world):
    build_record_world(world, close=True)
    first, _ = fetch(client, world.headers("observer"))
    second, _ = fetch(client, world.headers("observer"))
    assert first == second


def test_an_items_printable_record_covers_that_item(client, world, built):
    html, _ = fetch(client, world.headers("observer"), f"?item={built.second_item}")
    assert "This record covers one agenda item" in html
    assert f'id="item-{built.item}"' not in html


def test_the_printed_record_carries_every_translation_and_keeps_headings_with_their_text(
    client, world, built
):
    html, _ = fetch(client, world.headers("observer"))  # English: the translation is French
    translation = html[html.index('<div class="translation body" lang="fr" dir="auto">') :]
    assert "Translation into French" in translation[:400]
    assert "Nous sommes d" in translation[:800]
    css = html[html.index("<style>") : html.index("</style>")]
    printing = css[css.index("@media print") :]
    assert "h2 + *, h3 + *, h4 + * { break-before: avoid; }" in printing
    assert re.search(r"h1, h2, h3, h4[^{]*\{ break-after: avoid;", printing)
    # Names of groups are isolated from the text around them.
    assert re.search(r"Member \S+ \(<bdi>", html), re.findall(r"Member .{0,40}", html)[:3]
