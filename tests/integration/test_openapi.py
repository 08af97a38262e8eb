"""/api/v1/openapi.json is a well-formed OpenAPI 3.1 document describing every endpoint that
exists, and nothing that does not. Generic over the URL map, so it covers every capability."""

import re

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

API_PREFIX = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

#: A structural schema of the parts of OpenAPI 3.1 this project uses (the official schema
#: is not vendored here); the checks below add what JSON Schema cannot say.
RESPONSE = {
    "type": "object",
    "required": ["description"],
    "properties": {
        "description": {"type": "string"},
        "content": {"type": "object", "additionalProperties": {"type": "object"}},
    },
}
PARAMETER = {
    "type": "object",
    "required": ["name", "in"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "in": {"enum": ["path", "query", "header", "cookie"]},
        "required": {"type": "boolean"},
        "schema": {"type": "object"},
        "content": {"type": "object"},
    },
    "oneOf": [{"required": ["schema"]}, {"required": ["content"]}],
    "if": {"properties": {"in": {"const": "path"}}},
    "then": {"required": ["required"], "properties": {"required": {"const": True}}},
}
OPERATION = {
    "type": "object",
    "required": ["responses"],
    "properties": {
        "operationId": {"type": "string"},
        "summary": {"type": "string"},
        "description": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "parameters": {"type": "array", "items": PARAMETER},
        "requestBody": {
            "type": "object",
            "required": ["content"],
            "properties": {"content": {"type": "object", "minProperties": 1}},
        },
        "responses": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^([1-5](\\d\\d|XX)|default)$"},
            "additionalProperties": RESPONSE,
        },
        "security": {"type": "array", "items": {"type": "object"}},
    },
}
OPENAPI_31 = {
    "type": "object",
    "required": ["openapi", "info", "paths"],
    "properties": {
        "openapi": {"type": "string", "pattern": "^3\\.1\\.\\d+$"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {"title": {"type": "string"}, "version": {"type": "string"}},
        },
        "servers": {"type": "array", "items": {"type": "object", "required": ["url"]}},
        "paths": {
            "type": "object",
            "propertyNames": {"pattern": "^/"},
            "additionalProperties": {
                "type": "object",
                "propertyNames": {
                    "enum": [*sorted(HTTP_METHODS), "parameters", "summary", "description"]
                },
                "properties": {m: OPERATION for m in HTTP_METHODS},
            },
        },
        "components": {
            "type": "object",
            "properties": {
                "schemas": {"type": "object", "additionalProperties": {"type": "object"}},
                "securitySchemes": {
                    "type": "object",
                    "additionalProperties": {"type": "object", "required": ["type"]},
                },
            },
        },
        "security": {"type": "array", "items": {"type": "object"}},
    },
}


@pytest.fixture
def document(client):
    response = client.get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/items/<int:item_id>`` → ``/items/{item_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def served_operations(app) -> set[tuple[str, str]]:
    return {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule == API_PREFIX or rule.rule.startswith(API_PREFIX + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_document_has_the_structure_of_openapi_3_1(document):
    errors = sorted(Draft202012Validator(OPENAPI_31).iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_every_endpoint_served_under_api_v1_is_documented(app, document):
    documented = {(path, method) for path, method, _ in operations(document)}
    missing = served_operations(app) - documented
    assert not missing, f"served but not in openapi.json: {sorted(missing)}"


def test_every_documented_endpoint_is_served(app, document):
    documented = {(path, method) for path, method, _ in operations(document)}
    phantom = documented - served_operations(app)
    assert not phantom, f"in openapi.json but not served: {sorted(phantom)}"


def test_path_parameters_match_the_path_template(document):
    for path, method, operation in operations(document):
        shared = document["paths"][path].get("parameters", [])
        declared = {
            p["name"] for p in [*shared, *operation.get("parameters", [])] if p["in"] == "path"
        }
        assert declared == set(re.findall(r"{([^}]+)}", path)), (path, method)


def test_operation_ids_are_unique(document):
    ids = [op["operationId"] for _, _, op in operations(document) if "operationId" in op]
    assert len(ids) == len(set(ids))


def test_every_reference_resolves(document):
    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(document):
        assert ref.startswith("#/"), ref
        target = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert part in target, f"unresolved {ref}"
            target = target[part]


def test_every_component_schema_is_valid_json_schema(document):
    for name, schema in document["components"].get("schemas", {}).items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:  # pragma: no cover - the message is the point
            pytest.fail(f"components/schemas/{name}: {error.message}")


def test_security_requirements_name_declared_schemes(document):
    schemes = set(document["components"].get("securitySchemes", {}))
    requirements = list(document.get("security", []))
    for _, _, operation in operations(document):
        requirements += operation.get("security", [])
    for requirement in requirements:
        assert set(requirement) <= schemes, requirement


# --- the deliberation endpoints answer what the document says ------------------------------


def documented_schema(document, path: str, method: str, status: int) -> dict:
    response = document["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    # Resolve "#/components/..." against the document itself.
    return {**schema, "components": document["components"]}


@pytest.mark.parametrize(
    ("method", "path", "template", "body", "status"),
    [
        ("GET", "/deliberations", "/deliberations", None, 200),
        ("GET", "/deliberations/ai-2026", "/deliberations/{slug}", None, 200),
        ("PATCH", "/deliberations/ai-2026", "/deliberations/{slug}", {"title": "T"}, 200),
        ("GET", "/deliberations/ai-2026/groups", "/deliberations/{slug}/groups", None, 200),
        (
            "POST",
            "/deliberations/ai-2026/groups",
            "/deliberations/{slug}/groups",
            {"key": "k", "name": "K", "name_translations": {"fr": "K"}},
            201,
        ),
        ("GET", "/deliberations/ai-2026/members", "/deliberations/{slug}/members", None, 200),
        (
            "POST",
            "/deliberations/ai-2026/members",
            "/deliberations/{slug}/members",
            {"email": "outsider@example.org", "role": "observer"},
            201,
        ),
        ("GET", "/deliberations/ai-2026/items", "/deliberations/{slug}/items", None, 200),
        (
            "POST",
            "/deliberations/ai-2026/items",
            "/deliberations/{slug}/items",
            {"title": "T"},
            201,
        ),
        ("GET", "/items/{item}", "/items/{item_id}", None, 200),
        (
            "PUT",
            "/items/{item}/translations/fr",
            "/items/{item_id}/translations/{language}",
            {"title": "T"},
            201,
        ),
        ("PATCH", "/deliberations/ai-2026", "/deliberations/{slug}", {"status": "draft"}, 409),
        ("POST", "/deliberations/ai-2026/items", "/deliberations/{slug}/items", {}, 422),
    ],
)
def test_deliberation_endpoints_answer_in_their_documented_shapes(
    client, world, document, method, path, template, body, status
):
    response = client.open(
        f"{API_PREFIX}{path.format(item=world.item.id)}",
        method=method,
        json=body,
        headers=world.headers("admin"),
    )
    assert response.status_code == status
    schema = documented_schema(document, f"{API_PREFIX}{template}", method.lower(), status)
    Draft202012Validator(schema).validate(response.get_json())


def test_the_documented_request_bodies_accept_the_design_example(document):
    example = {
        "slug": "ai-2026",
        "title": "...",
        "scheme": "groups",
        "languages": ["en", "fr"],
        "groups": [{"key": "governments", "name": "Governments", "share": 2}],
    }
    schema = {
        "$ref": "#/components/schemas/DeliberationCreate",
        "components": document["components"],
    }
    Draft202012Validator(schema).validate(example)
