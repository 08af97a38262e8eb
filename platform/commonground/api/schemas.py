"""Reusable OpenAPI components: security schemes, the error shape, common responses."""

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


def error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def json_response(description: str, schema_ref: str | None = None, schema: dict | None = None):
    schema = {"$ref": f"#/components/schemas/{schema_ref}"} if schema_ref else (schema or {})
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_request(schema_ref: str | None = None, schema: dict | None = None) -> dict:
    schema = {"$ref": f"#/components/schemas/{schema_ref}"} if schema_ref else (schema or {})
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def list_of(schema_ref: str) -> dict:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_ref}"}}
        },
    }


#: Responses every endpoint may give.
COMMON_ERRORS = {
    "401": error_response("Not signed in, or the token is not valid"),
    "403": error_response("Signed in, but not allowed"),
    "404": error_response("No such resource"),
}
WRITE_ERRORS = {
    **COMMON_ERRORS,
    "400": error_response("The body is not a JSON object"),
    "409": error_response("Not possible in the current state"),
    "422": error_response("A field is not valid; `error.field` names it"),
}

#: Shared components. A capability contributes its own schemas either by adding them here at
#: import time or, preferably, as ``OPENAPI_SCHEMAS`` beside its ``OPENAPI_PATHS`` (merged by
#: ``openapi.openapi_document``).
COMPONENTS: dict = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": "session"},
    },
    "schemas": {"Error": ERROR},
}
