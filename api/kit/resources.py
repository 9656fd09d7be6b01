"""What the API holds for its whole lifetime: opened once in the lifespan, shared by requests."""

from __future__ import annotations

from dataclasses import dataclass

import jwt
from anthropic import AsyncAnthropic
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.kit.response_cache import ResponseCache
from metricx.settings import Settings
from warehouse.appdb.session import make_engine, make_session_factory
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import SemanticLayer
from warehouse.semantic.manifest import load_semantic_manifest
from warehouse.serving import open_serving_reader
from warehouse.url import parse_warehouse_url

JWKS_TIMEOUT_SECONDS = 5
# Clerk rotates signing keys rarely; an unknown `kid` makes the client refetch anyway.
JWKS_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Resources:
    settings: Settings
    app_db_engine: Engine
    app_db_sessions: sessionmaker[Session]
    jwks_client: jwt.PyJWKClient
    warehouse: WarehouseReader
    semantic_layer: SemanticLayer
    response_cache: ResponseCache
    # The copilot's Claude client (its connection pool), when ANTHROPIC_API_KEY is set.
    anthropic: AsyncAnthropic | None

    def close(self) -> None:
        self.warehouse.close()
        self.app_db_engine.dispose()


def open_resources(settings: Settings) -> Resources:
    if not settings.clerk_issuer:
        # Every route but /v1/health needs a verified caller; refuse to start rather than
        # answer 401 to everyone.
        raise RuntimeError("METRICX_CLERK_ISSUER is not set: the API cannot verify sessions")
    # Clerk serves its keys under the issuer, so the URL is only needed when it lives elsewhere.
    jwks_url = settings.clerk_jwks_url or f"{settings.clerk_issuer}/.well-known/jwks.json"
    # Loaded before anything opens: a missing manifest stops the start with what to run.
    semantic_layer = SemanticLayer(
        load_semantic_manifest(), parse_warehouse_url(settings.warehouse_url).backend
    )
    warehouse = open_serving_reader(settings.warehouse_url)
    engine = make_engine(settings.app_database_url)
    return Resources(
        settings=settings,
        app_db_engine=engine,
        app_db_sessions=make_session_factory(engine),
        jwks_client=jwt.PyJWKClient(
            jwks_url,
            cache_keys=True,
            lifespan=JWKS_CACHE_SECONDS,
            timeout=JWKS_TIMEOUT_SECONDS,
        ),
        warehouse=warehouse,
        semantic_layer=semantic_layer,
        response_cache=ResponseCache(settings.response_cache_max_bytes),
        anthropic=AsyncAnthropic(
            api_key=settings.anthropic_api_key,
            base_url=settings.anthropic_base_url or None,
            timeout=settings.copilot_timeout_seconds,
            max_retries=settings.copilot_max_retries,
        )
        if settings.anthropic_api_key
        else None,
    )
