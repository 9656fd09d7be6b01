"""Errors as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from warehouse.serving import WarehouseUnavailable

PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """An error answered as a problem with extension members (e.g. the allowed values), which
    `HTTPException` cannot carry."""

    def __init__(self, status: int, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extensions = extensions


class Problem(BaseModel):
    """The body of every error answer: RFC 9457 problem details."""

    type: str = Field(
        default="about:blank", description="`about:blank`: the status says what went wrong."
    )
    title: str = Field(description="The status's phrase.")
    status: int
    detail: str | None = Field(default=None, description="What happened, and what to do.")
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="Request validation (422) only: each invalid part, as `loc`, `msg`, `type`.",
    )


def problem_response(description: str, model: type[Problem] = Problem) -> dict[str, Any]:
    """An entry of a route's `responses=`: an error answered as problem+json (`model` for one
    with extension members).

    Inline rather than a `model`, which FastAPI would document as application/json.
    """
    schema = model.model_json_schema()
    return {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}


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


# What FastAPI answers a route taking a JSON body before the route runs.
BODY_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: problem_response("The body is not JSON."),
    422: problem_response("The body is not valid: each invalid part in `errors`."),
}


async def _http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    # Starlette fills a missing detail with the status phrase, which would repeat the title.
    detail = None if exc.detail == HTTPStatus(exc.status_code).phrase else exc.detail
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette's `Allow` names the methods of the first route on the path only; a path
        # served by a route per method (GET and DELETE of a connection) must name them all.
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return problem(exc.status_code, detail, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        route = context.route
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return sorted(methods)


async def _problem_error(_request: Request, exc: ProblemError) -> JSONResponse:
    return problem(exc.status, exc.detail, **exc.extensions)


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


def install_problem_handlers(app: FastAPI) -> None:
    # Starlette types every handler as taking any Exception, though it only calls one with the
    # class it is registered for; the handlers' narrower parameter is right.
    app.add_exception_handler(StarletteHTTPException, _http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(ProblemError, _problem_error)  # type: ignore[arg-type]
    app.add_exception_handler(WarehouseUnavailable, _warehouse_unavailable)  # type: ignore[arg-type]
