"""The built web app (`web/dist`) at `/`: its hashed assets, and `index.html` for every other
path that is not the API's, so the app's own routes (`/workspaces/…/dashboard`) load on reload."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match
from starlette.types import Scope

# The API's own paths: an unknown one is the API's 404, never the app's page.
_API_PREFIXES = ("v1/", "docs", "redoc", "openapi.json")


class _WebAppRoute(APIRoute):
    """The app's page route, which no API path matches: routing then answers an API path as the
    API does (404, or 405 with `Allow` listing only the API's methods), not as a page would."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].lstrip("/").startswith(_API_PREFIXES):
            return Match.NONE, {}
        return super().matches(scope)


def mount_web_app(app: FastAPI, dist: Path) -> None:
    """Serve `dist` when it was built; the API alone otherwise (`make demo` builds it)."""
    index = dist / "index.html"
    if not index.is_file():
        return
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="web-assets")
    pages = APIRouter(route_class=_WebAppRoute)

    @pages.get("/{path:path}", include_in_schema=False)
    def web_app(path: str) -> FileResponse:
        file = (dist / path).resolve()
        if path and file.is_file() and file.is_relative_to(dist.resolve()):
            return FileResponse(file)
        # index.html names the hashed assets of the current build: never kept stale.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.include_router(pages)
