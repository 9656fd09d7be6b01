"""CORS for the routes browsers call from other origins, and only for them."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class PathScopedCORS:
    """Apply `CORSMiddleware` to paths under `prefix`; leave every other route same-origin.

    The storefront pixel posts from each merchant's shop domain with a custom header, so the
    browser sends a preflight; the merchant-facing API stays closed to cross-origin calls.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefix: str,
        allow_origins: Sequence[str],
        allow_methods: Sequence[str],
        allow_headers: Sequence[str],
        expose_headers: Sequence[str],
        max_age: int,
    ) -> None:
        # The CORS options are spelled out, not **kwargs: Starlette's add_middleware types the
        # options from this signature, and mypy cannot check them against **kwargs: Any.
        self._app = app
        self._cors = CORSMiddleware(
            app,
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            expose_headers=expose_headers,
            max_age=max_age,
        )
        self._prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self._prefix):
            await self._cors(scope, receive, send)
        else:
            await self._app(scope, receive, send)
