"""`RefuseNulCharacters`: a request whose path or query holds a NUL character is refused (422)
before any route runs.

No id, name or filter of the API holds one, and PostgreSQL's text cannot: a lookup of a workspace
or a conversation by such an id failed there (a 500) instead of finding nothing. JSON bodies are
the schemas' part (a field that reaches the app database refuses control characters).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from api.kit.errors import problem


class RefuseNulCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The path arrives decoded; the query as sent, where NUL can only be `%00`.
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            answer = problem(422, "A path or query parameter holds a NUL character.")
            await answer(scope, receive, send)
            return
        await self._app(scope, receive, send)
