"""`flask records export` and `flask records verify`."""

import json

import pytest
from test_records_world import HIDDEN_MARKERS, build_record_world


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def built(app, world):
    return build_record_world(world, close=True)


def export(runner, *args):
    return runner.invoke(args=["records", "export", *args])


@pytest.mark.parametrize("format_", ["json", "zip", "html"])
def test_export_writes_the_file_with_a_progress_bar_on_stderr(runner, built, tmp_path, format_):
    output = tmp_path / f"record.{format_}"
    result = export(runner, "ai-2026", "--format", format_, "--output", str(output))
    assert result.exit_code == 0, result.output
    assert output.stat().st_size > 0
    assert "Exporting posts" in result.stderr
    assert not list(tmp_path.glob(".*partial"))
    if format_ != "html":
        verified = runner.invoke(args=["records", "verify", str(output)])
        assert verified.exit_code == 0, verified.output
        assert "OK:" in verified.stdout


def test_the_cli_record_is_the_one_the_api_serves(runner, client, world, built, tmp_path):
    output = tmp_path / "record.json"
    assert export(runner, "ai-2026", "--output", str(output)).exit_code == 0
    response = client.get(
        "/api/v1/deliberations/ai-2026/record.json", headers=world.headers("observer")
    )
    assert response.get_data() == output.read_bytes()


def test_the_default_audience_is_the_readers(runner, built, tmp_path):
    readers, moderators = tmp_path / "r.json", tmp_path / "m.json"
    assert export(runner, "ai-2026", "-o", str(readers)).exit_code == 0
    assert (
        export(runner, "ai-2026", "-o", str(moderators), "--audience", "moderators").exit_code == 0
    )
    assert HIDDEN_MARKERS[0] not in readers.read_text()
    assert HIDDEN_MARKERS[0] in moderators.read_text()


def test_export_of_one_item_and_to_stdout(runner, built, tmp_path):
    result = export(runner, "ai-2026", "--item", str(built.second_item), "-o", "-", "-q")
    assert result.exit_code == 0
    record = json.loads(result.stdout_bytes)
    assert record["scope"]["item"] == built.second_item


def test_export_refuses_unknown_deliberations_items_and_zip_to_stdout(runner, built, tmp_path):
    assert export(runner, "nope", "-o", str(tmp_path / "x.json")).exit_code == 1
    assert export(runner, "ai-2026", "--item", "999", "-o", str(tmp_path / "x.json")).exit_code == 1
    assert export(runner, "ai-2026", "--format", "zip", "-o", "-").exit_code == 2
    assert not (tmp_path / "x.json").exists()


def test_verify_exits_non_zero_and_says_what_differs(runner, built, tmp_path):
    output = tmp_path / "record.json"
    assert export(runner, "ai-2026", "-o", str(output)).exit_code == 0
    raw = output.read_bytes()
    offset = raw.index(b"Civil society agrees") + 1
    output.write_bytes(raw[:offset] + b"I" + raw[offset + 1 :])
    result = runner.invoke(args=["records", "verify", str(output)])
    assert result.exit_code == 1
    assert "FAILED" in result.stderr and "'posts'" in result.stderr


def test_verify_checks_a_published_digest(runner, built, tmp_path):
    output = tmp_path / "record.json"
    assert export(runner, "ai-2026", "-o", str(output)).exit_code == 0
    digest = json.loads(output.read_bytes())["integrity"]["body_sha256"]
    ok = runner.invoke(args=["records", "verify", str(output), "--digest", digest])
    assert ok.exit_code == 0
    wrong = runner.invoke(args=["records", "verify", str(output), "--digest", "0" * 64])
    assert wrong.exit_code == 1 and "not the expected" in wrong.stderr


def test_two_cli_exports_of_a_closed_deliberation_are_identical(runner, built, tmp_path):
    for format_ in ("json", "zip", "html"):
        first, second = tmp_path / f"1.{format_}", tmp_path / f"2.{format_}"
        for path in (first, second):
            assert export(runner, "ai-2026", "--format", format_, "-o", str(path)).exit_code == 0
        assert first.read_bytes() == second.read_bytes(), format_
