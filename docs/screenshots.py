"""Refresh the README's screenshots (docs/img/*.png) from the demo, in Chromium.

    PYTHONPATH=platform python docs/screenshots.py [--chromium /usr/bin/chromium]

A throwaway SQLite database gets the demo deliberation, a few posts (one translated),
reactions, a closed motion and a running session, written through the REST API as the demo
accounts; then Playwright photographs the pages at desktop width and on a phone (390 CSS px).
"""

import argparse
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from commonground import create_app
from commonground.accounts.auth import new_secret_token
from commonground.accounts.models import ApiToken, User
from commonground.db import db
from commonground.deliberations.models import AgendaItem, Deliberation
from commonground.demo import DEMO_ACCOUNTS, DEMO_SLUG, seed_demo

IMAGES = Path(__file__).resolve().parent / "img"


def tokens(app) -> dict[str, str]:
    """A write token for every demo account, by e-mail."""
    found = {}
    with app.app_context():
        for account in DEMO_ACCOUNTS:
            user = db.session.query(User).filter_by(email=account.email).one()
            token, digest = new_secret_token()
            db.session.add(
                ApiToken(user_id=user.id, name="screenshots", token_hash=digest, prefix=token[:10])
            )
            found[account.email] = token
        db.session.commit()
    return found


def populate(app) -> dict:
    """Posts, reactions, a closed motion and a live session on the demo's first item."""
    with app.app_context():
        seed_demo()
        db.session.commit()
        deliberation = db.session.query(Deliberation).filter_by(slug=DEMO_SLUG).one()
        first = (
            db.session.query(AgendaItem)
            .filter_by(deliberation_id=deliberation.id)
            .order_by(AgendaItem.position)
            .first()
            .id
        )
    keys = tokens(app)
    client = app.test_client()

    def call(method, path, who, body=None):
        response = client.open(
            f"/api/v1{path}",
            method=method,
            json=body,
            headers={"Authorization": f"Bearer {keys[who + '@demo.local']}"},
        )
        assert response.status_code < 300, (path, response.get_json())
        return response.get_json()

    post = call(
        "POST",
        f"/items/{first}/posts",
        "governments",
        {
            "body": "Shared **evaluation rules** before frontier models are deployed.",
            "language": "en",
        },
    )
    call(
        "POST",
        f"/posts/{post['id']}/translations",
        "research-institutions",
        {"language": "fr", "body": "Des **règles d’évaluation** communes avant tout déploiement."},
    )
    reply = call(
        "POST",
        f"/items/{first}/posts",
        "civil-society",
        {"body": "نؤيد ذلك، بشرط نشر النتائج للجميع.", "language": "ar", "parent": post["id"]},
    )
    call(
        "POST",
        f"/items/{first}/posts",
        "enterprises",
        {"body": "Las herramientas abiertas reducen el coste para las pymes.", "language": "es"},
    )
    for who, stance in (
        ("enterprises", "agree"),
        ("civil-society", "agree"),
        ("citizens", "pass"),
        ("international-organizations", "disagree"),
    ):
        call("PUT", f"/posts/{post['id']}/reaction", who, {"stance": stance})
    call("PUT", f"/posts/{reply['id']}/reaction", "governments", {"stance": "agree"})

    motion = call(
        "POST",
        f"/items/{first}/motions",
        "moderator",
        {
            "text": "Adopt shared evaluation rules for frontier models.",
            "rule": {"kind": "supermajority", "threshold": "2/3"},
        },
    )
    call("POST", f"/motions/{motion['id']}/open", "moderator", {})
    for who, choice in (
        ("governments", "yes"),
        ("international-organizations", "yes"),
        ("enterprises", "no"),
        ("research-institutions", "yes"),
        ("civil-society", "abstain"),
        ("citizens", "yes"),
    ):
        call("PUT", f"/motions/{motion['id']}/ballot", who, {"choice": choice})
    call("POST", f"/motions/{motion['id']}/close", "moderator", {})

    session = f"/deliberations/{DEMO_SLUG}/session"
    call("POST", f"{session}/current", "moderator", {"item": first})
    call(
        "POST",
        f"{session}/round/start",
        "moderator",
        {"title": "Opening statements", "seconds": 600},
    )
    call("POST", f"{session}/floor/request", "civil-society", {"item": first})
    call("POST", f"{session}/floor/request", "governments", {"item": first})
    call(
        "POST",
        f"{session}/announcements",
        "moderator",
        {"text": "Coffee break at 11:00; we resume with item 2.", "language": "en"},
    )
    return {"item": first, "motion": motion["id"]}


def photograph(url: str, made: dict, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    item = f"{url}/d/{DEMO_SLUG}/items/{made['item']}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])

        def page_as(email, password, *, width=1280, height=900, mobile=False):
            context = browser.new_context(
                locale="en-US",
                viewport={"width": width, "height": height},
                device_scale_factor=2 if mobile else 1,
                is_mobile=mobile,
                has_touch=mobile,
            )
            page = context.new_page()
            if email:
                page.goto(f"{url}/login")
                page.fill("#email", email)
                page.fill("#password", password)
                with page.expect_navigation():
                    page.locator("form.stacked button[type=submit]").click()
            return page

        def shot(page, address, name, *, full=False):
            page.goto(address)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)  # live status, countdown
            page.screenshot(path=str(IMAGES / name), full_page=full)

        delegate = page_as("governments@demo.local", "demo-governments")
        shot(delegate, item + "#discussion", "discussion.png")
        shot(delegate, f"{url}/motions/{made['motion']}", "motion.png")
        shot(delegate, f"{url}/d/{DEMO_SLUG}", "deliberation.png")
        moderator = page_as("moderator@demo.local", "demo-moderator")
        shot(moderator, f"{url}/d/{DEMO_SLUG}/console", "console.png")
        visitor = page_as(None, None)
        shot(visitor, f"{url}/d/{DEMO_SLUG}?lang=ar", "deliberation-ar.png")
        phone = page_as(
            "civil-society@demo.local", "demo-civil-society", width=390, height=844, mobile=True
        )
        shot(phone, item, "phone.png")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/screenshots.db",
                "SECRET_KEY": "screenshots",
                "AUTO_MIGRATE": True,
                "DEMO": False,
                "WTF_CSRF_ENABLED": True,
            }
        )
        made = populate(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            photograph(f"http://127.0.0.1:{server.server_port}", made, arguments.chromium)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


if __name__ == "__main__":
    main()
