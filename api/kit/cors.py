"""CORS for the routes browsers call from other origins, and only for them."""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class PathScopedCORS:
    """Apply `CORSMiddleware` to paths under `prefix`; leave every other route same-origin.

    The storefront pixel posts from each merchant's shop domain with a custom header, so the
    browser sends a preflight; the merchant-facing API stays closed to cross-origin calls.
    """

    def __init__(self, app: ASGIApp, *, prefix: str, **cors_options: Any) -> None:
        self._app = app
        self._cors = CORSMiddleware(app, **cors_options)
        self._prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self._prefix):
            await self._cors(scope, receive, send)
        else:
            await self._app(scope, receive, send)
