"""Errors as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from warehouse.serving import WarehouseUnavailable

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    # "about:blank" means the problem is just the HTTP status, so its phrase is the title.
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def _http_exception(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    # Starlette fills a missing detail with the status phrase, which would repeat the title.
    detail = None if exc.detail == HTTPStatus(exc.status_code).phrase else exc.detail
    return problem(exc.status_code, detail, headers=exc.headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return problem(422, "The request is not valid.", errors=errors)


async def _warehouse_unavailable(_request: Request, _exc: WarehouseUnavailable) -> JSONResponse:
    # Before the pipeline's first build: the path of the missing file is the operator's
    # business, not the merchant's.
    return problem(503, "No analytics data has been published yet.")


class Problem(BaseModel):
    """An error answer (RFC 9457), as `problem()` writes it; a 422 adds `errors`."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(description='"about:blank": the status says what went wrong.')
    title: str = Field(description="The status's phrase.")
    status: int
    detail: str | None = Field(None, description="What happened, and what to do about it.")


def problem_responses(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """A route's error answers for its `responses=`, as problem+json, so the OpenAPI document
    lists them with their schema."""
    schema = Problem.model_json_schema()
    return {
        status: {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}
        for status, description in descriptions.items()
    }


# What every workspace-scoped route reading the marts may answer besides its 200; a reporting
# route adds the 422 of its query parameters.
WORKSPACE_PROBLEMS = problem_responses(
    {
        401: "No valid session token.",
        403: "The account has no access to metricx.",
        404: "No such workspace, or the caller is not a member of it.",
        503: "No analytics data has been published yet, or the identity provider is unreachable.",
    }
)
REPORTING_PROBLEMS = WORKSPACE_PROBLEMS | problem_responses(
    {422: "A query parameter is not valid."}
)


def install_problem_handlers(app: FastAPI) -> None:
    # Starlette types every handler as taking any Exception, though it only calls one with the
    # class it is registered for; the handlers' narrower parameter is right.
    app.add_exception_handler(StarletteHTTPException, _http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(WarehouseUnavailable, _warehouse_unavailable)  # type: ignore[arg-type]
