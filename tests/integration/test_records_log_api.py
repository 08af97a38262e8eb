"""The transparency log over /api/v1: signed heads, the public key, and proofs anyone can
check with nothing but the RFC 9162 algorithms and the key."""

import base64
import hashlib

import pytest
import sqlalchemy as sa
from test_records_world import build_record_world

from commonground.db import db
from commonground.discussion import services as discussion
from commonground.records.merkle import verify_consistency, verify_inclusion
from commonground.records.signing import verify_head
from commonground.voting.models import Ballot


@pytest.fixture
def built(app, world):
    return build_record_world(world, close=False)


def get(client, world, path, role="observer", **params):
    return client.get(f"/api/v1{path}", headers=world.headers(role), query_string=params)


def test_the_key_is_ed25519_named_by_the_hash_of_its_public_half(client, world):
    key = get(client, world, "/log/key", role="anonymous").get_json()
    assert key["algorithm"] == "Ed25519"
    public = base64.b64decode(key["public_key"])
    assert len(public) == 32
    assert key["key_id"] == hashlib.sha256(public).hexdigest()


def test_the_head_is_signed_by_the_instance_key_and_stable_while_nothing_happens(
    client, world, built
):
    key = get(client, world, "/log/key").get_json()
    head = get(client, world, "/deliberations/ai-2026/log/head").get_json()
    assert sorted(head) == ["deliberation", "key_id", "root", "signature", "size", "timestamp"]
    assert head["deliberation"] == "ai-2026" and head["size"] > 0
    assert verify_head(head, key) is None
    assert get(client, world, "/deliberations/ai-2026/log/head").get_json() == head
    doctored = {**head, "size": head["size"] - 1}
    assert "signature does not verify" in verify_head(doctored, key)


def test_a_new_post_grows_the_head(client, world, built):
    before = get(client, world, "/deliberations/ai-2026/log/head").get_json()
    discussion.create_post(world.users["delegate"], world.item, body="More", rate_limited=False)
    db.session.commit()
    after = get(client, world, "/deliberations/ai-2026/log/head").get_json()
    assert after["size"] == before["size"] + 1 and after["root"] != before["root"]


def test_every_leaf_has_an_inclusion_proof_that_verifies_against_the_head(client, world, built):
    head = get(client, world, "/deliberations/ai-2026/log/head").get_json()
    for leaf in range(head["size"]):
        proof = get(client, world, "/deliberations/ai-2026/log/proof/inclusion", leaf=leaf)
        body = proof.get_json()
        assert body["head"] == head and body["root"] == head["root"]
        leaf_hash = hashlib.sha256(b"\x00" + body["entry"].encode()).digest()
        assert leaf_hash.hex() == body["leaf_hash"]
        path = [bytes.fromhex(node) for node in body["proof"]]
        assert verify_inclusion(leaf, head["size"], leaf_hash, path, bytes.fromhex(head["root"]))


def test_a_voter_finds_the_proof_of_their_ballot_by_its_receipt(client, world, built):
    from commonground.voting import services as voting

    motion = voting.create_motion(
        world.users["moderator"], world.item, text="Vote", rule={"kind": "majority"}, secret=True
    )
    voting.open_motion(world.users["moderator"], motion)
    ballot = voting.cast_ballot(world.users["delegate"], motion, "yes")
    db.session.commit()
    # The cast's receipt is its stored ballot's.
    assert ballot.receipt in db.session.scalars(sa.select(Ballot.receipt)).all()
    body = get(
        client, world, "/deliberations/ai-2026/log/proof/inclusion", receipt=ballot.receipt
    ).get_json()
    assert f'"receipt":"{ballot.receipt}"' in body["entry"]
    assert '"choice"' not in body["entry"] and '"member"' not in body["entry"]
    missing = get(client, world, "/deliberations/ai-2026/log/proof/inclusion", receipt="0" * 64)
    assert missing.status_code == 404


def test_consistency_between_any_earlier_size_and_the_head_verifies(client, world, built):
    head = get(client, world, "/deliberations/ai-2026/log/head").get_json()
    for old in range(head["size"] + 1):
        body = get(
            client, world, "/deliberations/ai-2026/log/proof/consistency", **{"from": old}
        ).get_json()
        assert body["to"] == head["size"] and body["to_root"] == head["root"]
        proof = [bytes.fromhex(node) for node in body["proof"]]
        assert verify_consistency(
            old,
            head["size"],
            bytes.fromhex(body["from_root"]),
            bytes.fromhex(head["root"]),
            proof,
        )


def test_sizes_and_leaves_outside_the_log_are_refused(client, world, built):
    size = get(client, world, "/deliberations/ai-2026/log/head").get_json()["size"]
    path = "/deliberations/ai-2026/log/proof/"
    assert get(client, world, path + "inclusion", leaf=size).status_code == 404
    assert get(client, world, path + "inclusion", leaf="x").status_code == 422
    assert get(client, world, path + "inclusion", leaf=0, size=size + 1).status_code == 422
    assert get(client, world, path + "consistency", **{"from": size + 1}).status_code == 422
    assert get(client, world, path + "consistency").status_code == 422


def test_the_log_of_a_private_deliberation_is_for_its_readers(client, world, built):
    assert get(client, world, "/deliberations/ai-2026/log/head", "anonymous").status_code == 401
    assert get(client, world, "/deliberations/ai-2026/log/head", "outsider").status_code == 403
    assert get(client, world, "/deliberations/nowhere/log/head").status_code == 404


def test_the_deliberation_page_shows_the_signed_head(client, world, built):
    from conftest import login

    head = get(client, world, "/deliberations/ai-2026/log/head").get_json()
    login(client, "observer@example.org")
    page = client.get("/d/ai-2026?lang=fr").get_data(as_text=True)
    assert head["root"] in page and head["key_id"] in page
    assert "Journal de transparence" in page
    assert "/api/v1/deliberations/ai-2026/log/head" in page


def test_a_post_finds_the_proof_of_its_creation(client, world, built):
    path = "/deliberations/ai-2026/log/proof/inclusion"
    body = get(client, world, path, post=built.top_post).get_json()
    assert '"event":"post.create"' in body["entry"]
    assert f'"subject":"post:{built.top_post}"' in body["entry"]
    assert get(client, world, path, post=999).status_code == 404
    assert get(client, world, path, post="x").status_code == 422


def test_a_cast_ballot_comes_with_the_path_of_its_inclusion_proof(client, world, built):
    from commonground.voting import services as voting

    motion = voting.create_motion(
        world.users["moderator"], world.item, text="Vote", rule={"kind": "majority"}, secret=True
    )
    voting.open_motion(world.users["moderator"], motion)
    db.session.commit()
    cast = client.put(
        f"/api/v1/motions/{motion.id}/ballot",
        json={"choice": "no"},
        headers=world.headers("delegate"),
    ).get_json()
    assert cast["log_proof"].endswith(f"/log/proof/inclusion?receipt={cast['receipt']}")
    body = client.get(cast["log_proof"], headers=world.headers("delegate")).get_json()
    leaf = hashlib.sha256(b"\x00" + body["entry"].encode()).digest()
    path = [bytes.fromhex(node) for node in body["proof"]]
    head = body["head"]
    assert verify_inclusion(body["leaf"], head["size"], leaf, path, bytes.fromhex(head["root"]))
    own = client.get(f"/api/v1/motions/{motion.id}/ballot", headers=world.headers("delegate"))
    assert own.get_json()["log_proof"] == cast["log_proof"]
