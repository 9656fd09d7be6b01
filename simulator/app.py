"""The simulator as one ASGI app: every third-party API metricx talks to, on one port."""

from __future__ import annotations

from fastapi import FastAPI

from simulator.anthropic.api import build_anthropic_router
from simulator.clerk.api import build_clerk_router
from simulator.google_ads.api import build_google_ads_router, build_google_oauth_router
from simulator.meta_ads.api import build_meta_router
from simulator.meta_ads.login import build_facebook_login_router, build_graph_login_router
from simulator.shopify.api import build_shopify_router
from simulator.world import World


def create_app(world: World) -> FastAPI:
    app = FastAPI(title="metricx simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_facebook_login_router(world.meta.login), prefix="/facebook")
    app.include_router(build_graph_login_router(world.meta), prefix="/meta")
    app.include_router(build_meta_router(world.meta), prefix="/meta")
    app.include_router(build_clerk_router(world), prefix="/clerk")
    app.include_router(build_shopify_router(world), prefix="/shopify/{shop}")
    app.include_router(build_google_ads_router(world), prefix="/google-ads")
    app.include_router(build_google_oauth_router(world), prefix="/google-oauth")
    app.include_router(build_anthropic_router(world), prefix="/anthropic")
    return app
