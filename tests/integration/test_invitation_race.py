"""Two people racing for one invitation link: one joins, the other is told so (never a 500)."""

import threading

from conftest import csrf_token, make_deliberation, make_group, make_member, make_user

from commonground.accounts import services
from commonground.db import db


def race_for(app, path: str, attempts: int = 2) -> list[int]:
    """Submit the invitation form from ``attempts`` browsers at the same instant."""
    clients = [app.test_client() for _ in range(attempts)]
    tokens = [csrf_token(client, path) for client in clients]
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []

    def submit(client, token, n):
        barrier.wait()
        response = client.post(
            path,
            data={
                "name": f"Racer {n}",
                "password": "a brand new password",
                "confirm": "a brand new password",
                "csrf_token": token,
            },
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=submit, args=(client, token, n))
        for n, (client, token) in enumerate(zip(clients, tokens, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_racing_for_one_invitation_on_postgresql_gives_one_member_and_one_refusal(pg_app):
    deliberation = make_deliberation("race")
    group = make_group(deliberation, "governments")
    moderator = make_user("mod@example.org")
    make_member(moderator, deliberation, "moderator")
    db.session.commit()
    for round_ in range(4):
        _invitation, token = services.invite_member(
            moderator, deliberation, f"racer{round_}@example.org", "delegate", group.key, 1
        )
        db.session.commit()
        statuses = race_for(pg_app, f"/invitations/{token}")
        assert statuses == [302, 409], statuses
    db.session.refresh(deliberation)
    assert len([m for m in deliberation.memberships if m.role == "delegate"]) == 4
