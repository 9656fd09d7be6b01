"""The metricx HTTP API. Served by `uvicorn --factory api.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api.admin.router import router as admin_router
from api.campaigns.router import router as campaigns_router
from api.connections.router import callbacks as connection_callbacks_router
from api.connections.router import router as connections_router
from api.copilot.router import router as copilot_router
from api.dashboard.router import router as dashboard_router
from api.freshness.router import router as freshness_router
from api.health.router import router as health_router
from api.kit.cors import PathScopedCORS
from api.kit.errors import install_problem_handlers
from api.kit.nul_characters import RefuseNulCharacters
from api.kit.openapi import problem_openapi
from api.kit.request_id import RequestIdMiddleware
from api.kit.resources import open_resources
from api.kit.security_headers import SecurityHeadersMiddleware
from api.kit.sentry import init_sentry
from api.members.router import router as members_router
from api.metrics.router import router as metrics_router
from api.pixel.router import router as pixel_router
from api.spend.router import router as spend_router
from api.users.router import router as users_router
from api.web.router import router as web_router
from api.web.static import mount_web_app
from api.webhooks.router import router as webhooks_router
from api.workspaces.router import router as workspaces_router
from metricx.settings import PROJECT_ROOT, Settings, get_settings

# The merchant web app's build (`web/`), served at `/` when it exists.
WEB_DIST = PROJECT_ROOT / "web" / "dist"


def create_app(settings: Settings | None = None, web_dist: Path | None = WEB_DIST) -> FastAPI:
    settings = settings or get_settings()
    if settings.sentry_dsn:
        init_sentry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = open_resources(settings)
        app.state.resources = resources
        try:
            yield
        finally:
            resources.close()
            if resources.anthropic is not None:
                await resources.anthropic.close()

    # The docs pages load Swagger UI and ReDoc from the API itself (/static-offline-docs), not
    # from a CDN: nothing third-party runs beside a member's token.
    app = FastAPIOffline(title="metricx", version="0.1.0", lifespan=lifespan)
    install_problem_handlers(app)
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]
    # The pixel key is public and no cookies are used, so any shop origin may post events.
    app.add_middleware(
        PathScopedCORS,
        prefix="/v1/pixel/",
        allow_origins=["*"],
        allow_methods=["POST"],
        allow_headers=["Content-Type", "X-Metricx-Pixel-Key"],
        # A cross-origin script reads only the CORS-safelisted answer headers: the pixel needs
        # the 429's Retry-After to wait as long as the intake asks.
        expose_headers=["Retry-After"],
        max_age=86_400,
    )
    app.add_middleware(RefuseNulCharacters)
    # Added last, so outermost: the 500 that RequestIdMiddleware answers gets the headers too.
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(health_router)
    app.include_router(users_router)
    app.include_router(workspaces_router)
    app.include_router(members_router)
    app.include_router(spend_router)
    app.include_router(dashboard_router)
    app.include_router(campaigns_router)
    app.include_router(metrics_router)
    app.include_router(copilot_router)
    app.include_router(freshness_router)
    app.include_router(pixel_router)
    app.include_router(connections_router)
    app.include_router(connection_callbacks_router)
    app.include_router(webhooks_router)
    app.include_router(admin_router)
    app.include_router(web_router)
    if web_dist is not None:
        # Last: its catch-all answers only what no API route does.
        mount_web_app(app, web_dist)
    return app
