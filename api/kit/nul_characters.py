"""`RefuseNulCharacters`: a request whose path or query holds a NUL character is answered before
any route runs.

No id, name or filter of the API holds one, and PostgreSQL's text cannot: a lookup of a workspace
or a conversation by such an id failed there (a 500) instead of finding nothing. So a workspace's
path with one names no resource (404, as any unknown id), and a query with one is refused (422).
JSON bodies are the schemas' part (a field that reaches the app database refuses NUL).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from api.kit.errors import problem

# The routes whose path ids are looked up in the app database: a workspace's, and what it holds.
_LOOKED_UP_PATHS = "/v1/workspaces/"


class RefuseNulCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # The path arrives decoded; the query as sent, where NUL can only be `%00`.
            if scope["path"].startswith(_LOOKED_UP_PATHS) and "\x00" in scope["path"]:
                await problem(404, "Not found: no id holds a NUL character.")(scope, receive, send)
                return
            if b"%00" in scope["query_string"]:
                answer = problem(422, "A query parameter holds a NUL character.")
                await answer(scope, receive, send)
                return
        await self._app(scope, receive, send)
