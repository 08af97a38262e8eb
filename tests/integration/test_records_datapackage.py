"""record.zip: a Frictionless Data Package that `frictionless validate` accepts, whose CSVs
pandas reads as they are, that `records verify` checks, and that is identical byte for byte
when exported twice from a closed deliberation."""

import io
import json
import zipfile

import pandas
import pytest
from frictionless import validate
from test_records_world import DRAFT_MARKER, HIDDEN_MARKERS, HIDE_REASON, build_record_world

from commonground.records.datapackage import TABLE_NAMES
from commonground.records.verify import verify_file

URL = "/api/v1/deliberations/ai-2026/record.zip"


def fetch(client, headers, url=URL) -> bytes:
    response = client.get(url, headers=headers)
    body = response.get_data()
    assert response.status_code == 200, body[:300]
    assert response.mimetype == "application/zip"
    return body


@pytest.fixture
def built(app, world):
    return build_record_world(world)


def saved(tmp_path, data: bytes, name="record.zip"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("role", ["observer", "moderator"])
def test_the_package_passes_frictionless_validate(client, world, built, tmp_path, role):
    path = saved(tmp_path, fetch(client, world.headers(role)))
    report = validate(str(path))
    errors = [(task.name, e.type, e.message) for task in report.tasks for e in task.errors]
    assert report.valid, errors[:10]
    assert {task.name for task in report.tasks} == set(TABLE_NAMES)


def test_an_items_package_passes_frictionless_validate(client, world, built, tmp_path):
    path = saved(tmp_path, fetch(client, world.headers("delegate"), f"{URL}?item={built.item}"))
    report = validate(str(path))
    assert report.valid, [e.message for task in report.tasks for e in task.errors][:10]


def test_every_table_loads_in_pandas_as_it_is(client, world, built):
    archive = zipfile.ZipFile(io.BytesIO(fetch(client, world.headers("moderator"))))
    package = json.loads(archive.read("datapackage.json"))
    assert package["profile"] == "tabular-data-package"
    frames = {}
    for resource in package["resources"]:
        frame = pandas.read_csv(archive.open(resource["path"]))
        assert list(frame.columns) == [f["name"] for f in resource["schema"]["fields"]]
        assert resource["schema"]["primaryKey"]
        frames[resource["name"]] = frame
    assert len(frames["posts"]) == 4
    support = frames["tallies"].pivot(index="motion", columns="group", values="agreement_float")
    assert support.loc[built.open_motion, "governments"] == 1.0
    assert frames["audit_events"]["seq"].tolist() == list(range(1, len(frames["audit_events"]) + 1))


def test_each_resource_declares_types_keys_and_its_sha256(client, world, built):
    archive = zipfile.ZipFile(io.BytesIO(fetch(client, world.headers("observer"))))
    package = json.loads(archive.read("datapackage.json"))
    resources = {r["name"]: r for r in package["resources"]}
    posts = resources["posts"]["schema"]
    assert {f["name"]: f["type"] for f in posts["fields"]}["created_at"] == "datetime"
    assert {"fields": ["author"], "reference": {"resource": "members", "fields": ["id"]}} in posts[
        "foreignKeys"
    ]
    assert all(r["hash"].startswith("sha256:") and r["bytes"] > 0 for r in resources.values())
    assert (
        package["integrity"]["audit_events"]
        == len(archive.read("audit_events.csv").decode().strip().splitlines()) - 1
    )


def test_readers_package_withholds_hidden_text_drafts_and_secret_ballots(client, world, built):
    archive = zipfile.ZipFile(io.BytesIO(fetch(client, world.headers("delegate"))))
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    for marker in (*HIDDEN_MARKERS, DRAFT_MARKER):
        assert marker not in everything, marker
    posts = pandas.read_csv(archive.open("posts.csv"))
    hidden = posts[posts["id"] == built.hidden_post].iloc[0]
    assert bool(hidden["hidden"]) and bool(hidden["content_withheld"])
    assert hidden["hidden_reason"] == HIDE_REASON and pandas.isna(hidden["body"])
    ballots = pandas.read_csv(archive.open("ballots.csv"))
    assert set(ballots["motion"]) == {built.open_motion}
    assert built.secret_motion not in set(ballots["motion"])


def test_the_moderators_package_holds_hidden_text_flagged(client, world, built):
    archive = zipfile.ZipFile(io.BytesIO(fetch(client, world.headers("moderator"))))
    posts = pandas.read_csv(archive.open("posts.csv"))
    hidden = posts[posts["id"] == built.hidden_post].iloc[0]
    assert bool(hidden["hidden"]) and not bool(hidden["content_withheld"])
    assert hidden["body"] == HIDDEN_MARKERS[0]
    summaries = pandas.read_csv(archive.open("summaries.csv"))
    assert sorted(summaries["status"]) == ["draft", "published"]


def test_records_verify_accepts_the_package_and_rejects_changes(client, world, built, tmp_path):
    data = fetch(client, world.headers("moderator"))
    path = saved(tmp_path, data)
    report = verify_file(path)
    assert report.ok, report.problems

    def rewritten(change):
        source = zipfile.ZipFile(io.BytesIO(data))
        target = io.BytesIO()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in source.infolist():
                out.writestr(info, change(info.filename, source.read(info.filename)))
        return verify_file(saved(tmp_path, target.getvalue(), "changed.zip"))

    def one_char(name, where):
        def change(filename, content):
            if filename != name:
                return content
            offset = content.index(where)
            return content[:offset] + b"#" + content[offset + 1 :]

        return change

    cases = {
        "a post": one_char("posts.csv", b"transparency"),
        "an audit event": one_char("audit_events.csv", b"motion.close"),
        "the descriptor": one_char("datapackage.json", b"Consensus record"),
        "a recorded hash": one_char("datapackage.json", b'"hash": "sha256:'),
    }
    for where, change in cases.items():
        report = rewritten(change)
        assert not report.ok, where
    # A byte flipped inside the compressed data fails the zip's own check.
    offset = data.index(b"posts.csv") + 60
    flipped = data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1 :]
    assert not verify_file(saved(tmp_path, flipped, "flipped.zip")).ok


def test_two_packages_of_a_closed_deliberation_are_identical(app, client, world, tmp_path):
    build_record_world(world, close=True)
    first = fetch(client, world.headers("observer"))
    second = fetch(client, world.headers("observer"))
    assert first == second
    info = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert len({i.date_time for i in info}) == 1
