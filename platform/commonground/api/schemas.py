"""Reusable OpenAPI pieces: security schemes, the error shape, common responses, and the
builders with which every capability describes its endpoints (in its own ``openapi.py``)."""

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}

#: Security of endpoints anyone may call: public deliberations are readable without an account.
ANYONE = [{}, {"bearer": []}, {"session": []}]
#: Security of endpoints that need an account; the document's default.
SIGNED_IN = [{"bearer": []}, {"session": []}]


def component(name: str) -> dict:
    """A reference to the schema ``name`` of ``components/schemas``."""
    return {"$ref": f"#/components/schemas/{name}"}


def _json_content(schema_ref: str | None, schema: dict | None) -> dict:
    schema = component(schema_ref) if schema_ref else (schema or {})
    return {"application/json": {"schema": schema}}


def error_response(description: str) -> dict:
    """A response carrying the error shape."""
    return {"description": description, "content": _json_content("Error", None)}


def json_response(description: str, schema_ref: str | None = None, schema: dict | None = None):
    """A JSON response: the component ``schema_ref``, else the inline ``schema``."""
    return {"description": description, "content": _json_content(schema_ref, schema)}


def json_request(
    schema_ref: str | None = None, schema: dict | None = None, *, required: bool = True
) -> dict:
    """A JSON request body: the component ``schema_ref``, else the inline ``schema``."""
    return {"required": required, "content": _json_content(schema_ref, schema)}


def list_of(schema_ref: str | None = None, schema: dict | None = None) -> dict:
    """The ``{"items": [...]}`` shape of list answers, of the component ``schema_ref`` (else
    of the inline ``schema``)."""
    item = component(schema_ref) if schema_ref else schema
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": item}},
    }


def path_parameter(name: str, schema: dict, description: str | None = None) -> dict:
    """A parameter in the URL path (always required)."""
    parameter = {"name": name, "in": "path", "required": True, "schema": schema}
    if description is not None:
        parameter["description"] = description
    return parameter


def query_parameter(
    name: str, schema: dict, description: str, *, required: bool | None = None
) -> dict:
    """A parameter of the query string; ``required`` is written out only when given."""
    parameter = {"name": name, "in": "query", "schema": schema, "description": description}
    if required is not None:
        parameter["required"] = required
    return parameter


#: The answer to a missing or rejected token, possible even where no account is needed.
UNAUTHORIZED = {"401": error_response("Not signed in, or the token is not valid")}
#: Responses every endpoint may give.
COMMON_ERRORS = {
    **UNAUTHORIZED,
    "403": error_response("Signed in, but not allowed"),
    "404": error_response("No such resource"),
}
WRITE_ERRORS = {
    **COMMON_ERRORS,
    "400": error_response("The body is not a JSON object"),
    "409": error_response("Not possible in the current state"),
    "422": error_response("A field is not valid; `error.field` names it"),
}


def operation(
    summary: str,
    responses: dict,
    *,
    operation_id: str | None = None,
    description: str | None = None,
    tags: list[str] | None = None,
    security: list[dict] | None = None,
    parameters: list[dict] | None = None,
    body: str | dict | None = None,
    body_required: bool = True,
    errors: dict = COMMON_ERRORS,
) -> dict:
    """One operation of a path: ``responses`` are its successful answers by status,
    ``errors`` its failures (``WRITE_ERRORS`` for changes; ``COMMON_ERRORS`` by default).

    ``body`` names the component schema of the JSON request body, or is the schema itself.
    What is not given is left out, so the document's defaults (``security``) apply.
    """
    described = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": tags,
        "security": security,
        "parameters": parameters,
    }
    result = {key: value for key, value in described.items() if value is not None}
    if body is not None:
        schema_ref, schema = (body, None) if isinstance(body, str) else (None, body)
        result["requestBody"] = json_request(schema_ref, schema, required=body_required)
    result["responses"] = {**responses, **errors}
    return result


#: Shared components; each capability's schemas join them when it registers its description
#: (``openapi.describe_blueprint``).
COMPONENTS: dict = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": "session"},
    },
    "schemas": {"Error": ERROR},
}
