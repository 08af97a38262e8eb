"""`records verify --head --key`: the honest record passes; every forgery of issue 12 fails,
naming what differs — an edited record (even with its digests recomputed), a doctored head,
and a record re-exported after someone rewrote history in the database (even when they
rebuilt and re-signed the log)."""

import hashlib
import json

import pytest
import sqlalchemy as sa
from test_records_world import build_record_world

from commonground.db import db, utcnow
from commonground.discussion.models import Post
from commonground.records import log as transparency_log
from commonground.records.chain import canonical_json
from commonground.records.export import integrity_block
from commonground.records.merkle import EMPTY_ROOT
from commonground.records.models import LogLeaf, LogNode, LogState


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def built(app, world):
    return build_record_world(world, close=False)


def export(runner, path, audience="readers"):
    result = runner.invoke(
        args=["records", "export", "ai-2026", "-o", str(path), "-q", "--audience", audience]
    )
    assert result.exit_code == 0, result.output
    return path


def save(client, world, tmp_path):
    """The head and key a think tank saves from the API before the forgery."""
    headers = world.headers("observer")
    head = client.get("/api/v1/deliberations/ai-2026/log/head", headers=headers).get_json()
    key = client.get("/api/v1/log/key").get_json()
    (tmp_path / "head.json").write_text(json.dumps(head))
    (tmp_path / "key.json").write_text(json.dumps(key))
    return tmp_path / "head.json", tmp_path / "key.json"


def verify(runner, path, *options):
    result = runner.invoke(args=["records", "verify", str(path), *map(str, options)])
    return result.exit_code, result.stdout + result.stderr


def assert_extends(runner, record, head, key) -> None:
    """The record verifies, and its log extends the saved head."""
    code, output = verify(runner, record, "--head", head, "--key", key)
    assert code == 0, output
    assert "the log extends the saved head" in output


def redigested(path, change) -> None:
    """Apply ``change(record)`` and recompute every digest as docs/records.md describes —
    what a forger who read the documentation does."""
    record = json.loads(path.read_bytes())
    integrity = record.pop("integrity")
    change(record)
    sections = {
        key: hashlib.sha256(canonical_json(value)).hexdigest() for key, value in record.items()
    }
    body = hashlib.sha256(canonical_json(record)).hexdigest()
    block = integrity_block(body, sections, integrity["audit_head"], integrity["audit_events"])
    text = canonical_json(record)[:-1] + b',"integrity":' + canonical_json(block) + b"}"
    path.write_bytes(text)


def post_of(record, post_id):
    return next(post for post in record["posts"] if post["id"] == post_id)


def test_the_honest_record_passes_with_the_saved_head_and_key(
    runner, client, world, built, tmp_path
):
    head, key = save(client, world, tmp_path)
    from commonground.discussion import services as discussion

    discussion.create_post(world.users["delegate"], world.item, body="Later", rate_limited=False)
    db.session.commit()
    for audience in ("readers", "moderators"):
        record = export(runner, tmp_path / f"{audience}.json", audience)
        assert_extends(runner, record, head, key)


def test_an_edited_post_fails_even_with_its_digests_recomputed(
    runner, client, world, built, tmp_path
):
    _head, key = save(client, world, tmp_path)
    record = export(runner, tmp_path / "record.json")

    def change(value):
        post_of(value, built.top_post)["body"] = "We **disagree** on transparency."

    redigested(record, change)
    code, output = verify(runner, record, "--key", key)
    assert code == 1
    assert f"post {built.top_post}: the text of version 2 differs from the one leaf" in output
    assert "differs from its recorded digest" not in output  # the digests were made to fit


def test_an_edited_translation_or_ballot_fails(runner, client, world, built, tmp_path):
    _head, key = save(client, world, tmp_path)
    record = export(runner, tmp_path / "record.json")

    def change(value):
        post_of(value, built.top_post)["translations"][0]["body"] = "Nous refusons."
        ballot = next(b for b in value["ballots"] if b["motion"] == built.open_motion)
        ballot["choice"] = "yes" if ballot["choice"] == "no" else "no"

    redigested(record, change)
    code, output = verify(runner, record, "--key", key)
    assert code == 1
    assert f"post {built.top_post}: its fr translation differs" in output
    assert f"motion {built.open_motion}: ballot" in output


def test_a_removed_leaf_or_post_fails(runner, client, world, built, tmp_path):
    _head, key = save(client, world, tmp_path)
    record = export(runner, tmp_path / "record.json")

    def change(value):
        value["posts"] = [post for post in value["posts"] if post["id"] != built.reply]

    redigested(record, change)
    code, output = verify(runner, record, "--key", key)
    assert code == 1
    assert f"post {built.reply} is in the log but missing from the record" in output


def test_a_doctored_head_fails(runner, client, world, built, tmp_path):
    head, key = save(client, world, tmp_path)
    record = export(runner, tmp_path / "record.json")
    saved = json.loads(head.read_text())
    saved["root"] = "0" * 64
    head.write_text(json.dumps(saved))
    code, output = verify(runner, record, "--head", head, "--key", key)
    assert code == 1
    assert "the saved head: the head's signature does not verify" in output


def test_a_head_signed_with_another_key_fails(runner, client, world, built, tmp_path, app):
    _head, key = save(client, world, tmp_path)
    app.config["LOG_SIGNING_KEY"] = "11" * 32  # the forger's own key
    record = export(runner, tmp_path / "record.json")
    code, output = verify(runner, record, "--key", key)
    assert code == 1
    assert "the record's log head: the head is signed with key" in output


def test_history_rewritten_in_the_database_fails(runner, client, world, built, tmp_path):
    head, key = save(client, world, tmp_path)
    db.session.execute(
        sa.update(Post).where(Post.id == built.reply).values(body="Civil society objects.")
    )
    db.session.commit()
    record = export(runner, tmp_path / "record.json")
    code, output = verify(runner, record, "--head", head, "--key", key)
    assert code == 1
    assert f"post {built.reply}: the text of version 1 differs from the one leaf" in output


def test_a_rebuilt_and_resigned_log_does_not_extend_the_saved_head(
    runner, client, world, built, tmp_path
):
    """The forger rewrites the post, rewrites its leaf to match, rebuilds the whole tree and
    signs the new head with the platform's own key: only a head saved before can tell."""
    head, key = save(client, world, tmp_path)
    forged_body = "Civil society objects."
    db.session.execute(sa.update(Post).where(Post.id == built.reply).values(body=forged_body))
    deliberation = world.deliberation
    entries = [
        json.loads(entry)
        for entry in db.session.scalars(
            sa.select(LogLeaf.entry)
            .where(LogLeaf.deliberation_id == deliberation.id)
            .order_by(LogLeaf.leaf_index)
        )
    ]
    for model in (LogLeaf, LogNode):
        db.session.execute(sa.delete(model).where(model.deliberation_id == deliberation.id))
    db.session.execute(  # the pseudonyms' key is kept: the leaves keep naming the members
        sa.update(LogState)
        .where(LogState.deliberation_id == deliberation.id)
        .values(size=0, root=EMPTY_ROOT.hex())
    )
    for entry in entries:
        if entry["subject"] == f"post:{built.reply}" and entry["event"] == "post.create":
            entry["data"]["body_sha256"] = hashlib.sha256(forged_body.encode()).hexdigest()
        transparency_log.append(
            deliberation, entry["event"], entry["subject"], entry["data"], at=utcnow()
        )
    db.session.commit()

    record = export(runner, tmp_path / "record.json")
    code, output = verify(runner, record, "--key", key)
    assert code == 0, output  # consistent with itself, and signed by the platform's key
    code, output = verify(runner, record, "--head", head, "--key", key)
    assert code == 1
    assert "the record's log does not extend the saved head" in output
    assert "history the head covered was rewritten" in output


def test_a_head_of_another_deliberation_or_without_the_key_is_refused(
    runner, client, world, built, tmp_path
):
    head, key = save(client, world, tmp_path)
    record = export(runner, tmp_path / "record.json")
    code, output = verify(runner, record, "--head", head)
    assert code == 1 and "--head needs --key" in output
    saved = json.loads(head.read_text())
    saved["deliberation"] = "other-forum"
    head.write_text(json.dumps(saved))
    code, output = verify(runner, record, "--head", head, "--key", key)
    assert code == 1 and "the saved head is of 'other-forum'" in output


def test_a_reformatted_record_is_told_apart_from_a_tampered_one(
    runner, client, world, built, tmp_path
):
    head, key = save(client, world, tmp_path)
    record = export(runner, tmp_path / "record.json")
    original = json.loads(record.read_bytes())
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(original, indent=2, ensure_ascii=True))
    code, output = verify(runner, pretty, "--head", head, "--key", key)
    assert code == 1
    assert "re-saved with other JSON formatting" in output
    assert "its content verifies intact" in output

    post_of(original, built.top_post)["body"] = "Forged"
    pretty.write_text(json.dumps(original, indent=2))
    code, output = verify(runner, pretty, "--key", key)
    assert code == 1
    assert "re-saved with other JSON formatting" not in output
    assert "its content was altered, not only its formatting" in output


def test_edited_reaction_counts_fail(runner, client, world, built, tmp_path):
    _head, key = save(client, world, tmp_path)
    record = export(runner, tmp_path / "record.json")
    code, output = verify(runner, record, "--key", key)
    assert code == 0, output

    def change(value):
        reactions = post_of(value, built.top_post)["reactions"]
        reactions["agree"] += 1
        next(g for g in reactions["groups"] if g["key"] == "governments")["agree"] += 1

    redigested(record, change)
    code, output = verify(runner, record, "--key", key)
    assert code == 1
    assert f"post {built.top_post}: 3 agree in the record, 2 in the log's reactions" in output
    assert "3 agree in group governments" not in output
    assert "2 agree in group governments in the record, 1 in the log" in output


# --- record.zip carries the log too ---------------------------------------------------------


def export_zip(runner, path, audience="readers"):
    result = runner.invoke(
        args=[
            *("records", "export", "ai-2026", "--format", "zip", "-o", str(path)),
            *("-q", "--audience", audience),
        ]
    )
    assert result.exit_code == 0, result.output
    return path


def rezipped(path, changes) -> None:
    """Rewrite tables of a record.zip with ``changes[name](text) -> text`` and make every
    recorded size and hash fit again, as a forger who read the documentation would."""
    import zipfile

    from commonground.records.datapackage import descriptor_bytes, descriptor_digest

    with zipfile.ZipFile(path) as source:
        contents = {info.filename: source.read(info.filename) for info in source.infolist()}
        infos = source.infolist()
    package = json.loads(contents["datapackage.json"])
    for name, change in changes.items():
        contents[name] = change(contents[name].decode()).encode()
        resource = next(r for r in package["resources"] if r["path"] == name)
        resource["bytes"] = len(contents[name])
        resource["hash"] = "sha256:" + hashlib.sha256(contents[name]).hexdigest()
    package["integrity"]["descriptor_sha256"] = descriptor_digest(package)
    contents["datapackage.json"] = descriptor_bytes(package)
    with zipfile.ZipFile(path, "w") as target:
        for info in infos:
            target.writestr(info, contents[info.filename])


@pytest.mark.parametrize("audience", ["readers", "moderators"])
def test_the_zip_carries_the_log_and_passes_with_the_saved_head_and_key(
    runner, client, world, built, tmp_path, audience
):
    import zipfile

    head, key = save(client, world, tmp_path)
    record = export_zip(runner, tmp_path / "record.zip", audience)
    with zipfile.ZipFile(record) as archive:
        package = json.loads(archive.read("datapackage.json"))
        leaves = archive.read("log_leaves.csv").decode()
    assert package["log"]["head"] == json.loads(head.read_text()) | {
        "timestamp": package["log"]["head"]["timestamp"],
        "signature": package["log"]["head"]["signature"],
    }
    assert package["log"]["key"] == json.loads(key.read_text())
    assert leaves.count("reaction.change") >= 2
    assert_extends(runner, record, head, key)


def test_an_edited_post_or_reaction_in_the_zip_fails_with_its_hashes_made_to_fit(
    runner, client, world, built, tmp_path
):
    _head, key = save(client, world, tmp_path)
    record = export_zip(runner, tmp_path / "record.zip")
    rezipped(record, {"posts.csv": lambda text: text.replace("transparency", "opacity", 1)})
    code, output = verify(runner, record, "--key", key)
    assert code == 1
    assert f"post {built.top_post}: the text of version 2 differs from the one leaf" in output
    assert "differs from its recorded" not in output  # the hashes were made to fit

    record = export_zip(runner, tmp_path / "record.zip")

    def more_agreement(text):
        lines = text.split("\r\n")
        row = next(i for i, line in enumerate(lines) if line.startswith(f"{built.top_post},"))
        cells = lines[row].split(",")
        cells[1] = str(int(cells[1]) + 1)
        lines[row] = ",".join(cells)
        return "\r\n".join(lines)

    rezipped(record, {"reactions.csv": more_agreement})
    code, output = verify(runner, record, "--key", key)
    assert code == 1
    assert f"post {built.top_post}: 3 agree in the record, 2 in the log's reactions" in output


def test_a_zip_whose_leaf_was_rewritten_does_not_extend_the_saved_head(
    runner, client, world, built, tmp_path
):
    head, key = save(client, world, tmp_path)
    record = export_zip(runner, tmp_path / "record.zip")
    rezipped(record, {"log_leaves.csv": lambda text: text.replace('""agree""', '""pass""', 1)})
    code, output = verify(runner, record, "--head", head, "--key", key)
    assert code == 1
    assert "is not the tree of its" in output
    assert "does not extend the saved head" in output
