"""The deliberation page links to the three formats of its consensus record."""

import re

from conftest import login


def test_the_deliberation_page_links_to_every_record_format_and_each_link_works(client, world):
    login(client, "observer@example.org")
    html = client.get(f"/d/{world.deliberation.slug}").get_data(as_text=True)
    links = re.findall(r'href="(/api/v1/deliberations/[^"]+/record\.(?:html|json|zip)[^"]*)"', html)
    assert {link.split("?")[0].rsplit(".", 1)[1] for link in links} == {"html", "json", "zip"}
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        response.get_data()  # read the stream before the next request


def test_anonymous_readers_of_a_public_deliberation_may_follow_the_links(client, world):
    from commonground.db import db

    world.deliberation.is_public = True
    db.session.commit()
    html = client.get(f"/d/{world.deliberation.slug}").get_data(as_text=True)
    link = re.search(r'href="(/api/v1/deliberations/[^"]+/record\.json)"', html).group(1)
    response = client.get(link)
    assert response.status_code == 200
    assert response.get_json()["integrity"]["algorithm"] == "sha256"
