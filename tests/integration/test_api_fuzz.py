"""The API answers whatever it is sent without a server error, and what it answers is what its
OpenAPI document says: schemathesis generates requests from that document, for every
operation and every role. A fixed seed and a bounded number of examples keep the run
repeatable and short; the database is a fresh SQLite file per operation and role."""

import pytest
import schemathesis
from conftest import make_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from commonground import create_app
from commonground.db import db

ROLES = ["anonymous", "observer", "delegate", "moderator", "admin", "read_token"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = 6


def operations() -> list[tuple[str, str]]:
    """Every documented operation, read from the document the app serves."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    document = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [(op.method.upper(), op.path) for op in (r.ok() for r in document.get_all_operations())]


def headers_for(world, role: str) -> dict:
    if role == "anonymous":
        return {}
    if role == "read_token":
        token = make_token(world.users["delegate"], scope="read")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}
    return world.headers(role)


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), operations())
def test_every_operation_answers_every_role_as_documented(app, world, method, path, role):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    headers = headers_for(world, role)

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(data):
        case = data.draw(operation.as_strategy())
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_as_documented()
