"""Headers every answer carries, so browsers and shared caches treat the API's answers as data of
one member, never as a page to render, frame or keep."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Answers are one member's view of one workspace: a browser may keep one but must revalidate it
# (cheaply, with its ETag: api/kit/etag.py), and a shared cache must not keep it. Routes that
# say otherwise keep their own.
DEFAULT_CACHE_CONTROL = "private, no-cache"
SECURITY_HEADERS = {
    # A JSON answer is never sniffed into HTML or script.
    "X-Content-Type-Options": "nosniff",
    # No URL of the API (workspace ids) leaks to the docs pages' links.
    "Referrer-Policy": "no-referrer",
    # No page (the docs included) may be framed: X-Frame-Options for old browsers, the CSP
    # directive for the others.
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers.setdefault("Cache-Control", DEFAULT_CACHE_CONTROL)
            await send(message)

        await self._app(scope, receive, send_with_headers)
