"""docs/examples/think_tank.py runs as documented against a real server: it downloads the
record with a read-only token, checks and loads every table with pandas, and reports."""

import subprocess
import sys
import threading

import pytest
from conftest import ROOT, make_token
from test_records_world import build_record_world
from werkzeug.serving import make_server

from commonground.db import db


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


def test_the_think_tank_example_fetches_checks_and_summarises_a_record(server, world, tmp_path):
    built = build_record_world(world, close=True)
    token = make_token(world.users["observer"], scope="read")
    db.session.commit()
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "docs" / "examples" / "think_tank.py"),
            built.slug,
            "--url",
            server,
            "--token",
            token,
            "--chart",
            str(tmp_path / "support.png"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert f"Motion {built.open_motion}: Adopt the transparency principle." in result.stdout
    assert "governments" in result.stdout and "100%" in result.stdout
    assert "Statements every group supports most" in result.stdout


def test_the_example_reports_a_refusal(server, world, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "docs" / "examples" / "think_tank.py"),
            "ai-2026",
            "--url",
            server,
            "--token",
            "cg_wrong",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "401" in result.stderr
