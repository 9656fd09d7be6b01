"""The OpenAPI document as the API answers: every error as problem+json (api/kit/errors.py).

FastAPI declares, on its own, a 422 `application/json` body (`HTTPValidationError`) on every
route with parameters that does not declare its 422, while the API answers problem+json; and
no route says it may answer 500, which any may (api/kit/request_id.py). Both are written here
once, for every route, rather than remembered in each.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.kit.errors import PROBLEM_JSON, problem_response
from api.kit.request_id import ServerProblem

VALIDATION_PROBLEM = problem_response("The request is not valid: `errors` lists each part.")
SERVER_ERROR = problem_response(
    "The server failed; the body's `request_id` (also in `X-Request-ID`) finds it in the logs.",
    ServerProblem,
)
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            validation = responses.get("422")
            if validation is not None and PROBLEM_JSON not in validation.get("content", {}):
                responses["422"] = VALIDATION_PROBLEM
            responses.setdefault("500", SERVER_ERROR)
    schemas = document.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    app.openapi_schema = document
    return document
