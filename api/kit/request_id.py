"""`X-Request-ID` on every answer, in every log record of the request, and in the problem body
of an unhandled error, so a merchant's report of a failure leads to its traceback."""

from __future__ import annotations

import logging
import re
import uuid

import sentry_sdk
from pydantic import Field
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.kit.errors import Problem, problem
from metricx.logs import log_context

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id (a proxy's or a client's) is kept when it is a plain token, so it can be
# searched for in the logs; anything else could forge log lines or headers, and is replaced.
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")
logger = logging.getLogger(__name__)


class ServerProblem(Problem):
    """The body of a 500."""

    request_id: str = Field(description="The request's `X-Request-ID`, as the logs hold it.")


def _request_id(scope: Scope) -> str:
    incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
    if incoming is not None and _ACCEPTED_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Takes the caller's `X-Request-ID` or makes one, answers it back, logs under it, and turns
    an error no handler answered into a problem+json 500 carrying it.

    The 500 is answered here rather than by Starlette's `ServerErrorMiddleware`, which would
    send a bare text body outside this middleware, without the id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request_id = _request_id(scope)
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with log_context(request_id=request_id):
            try:
                await self._app(scope, receive, send_with_id)
            except Exception as error:
                logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
                if response_started:
                    # Too late for a problem: the server cuts the connection, the client sees it.
                    raise
                # Answered, not raised, so reported here (a no-op without SENTRY_DSN).
                sentry_sdk.capture_exception(error)
                answer = problem(
                    500,
                    "The server failed to answer this request; quote the request id when "
                    "reporting it.",
                    request_id=request_id,
                )
                await answer(scope, receive, send_with_id)
