"""What the API holds for its whole lifetime: opened once in the lifespan, shared by requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.auth.service import VerifiedTokens
from api.auth.signing_keys import SigningKeys
from api.kit.rate_limit import KeyRateLimiter
from api.kit.response_cache import ResponseCache
from metricx.settings import Settings
from warehouse.appdb.clerk_api import ClerkBackend
from warehouse.appdb.credentials import CredentialCipher, load_cipher
from warehouse.appdb.session import make_engine, make_session_factory
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import SemanticLayer
from warehouse.semantic.manifest import load_semantic_manifest
from warehouse.serving import open_serving_reader
from warehouse.url import parse_warehouse_url

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

# The platforms' OAuth endpoints answer in well under a second; a merchant waits on them.
PLATFORM_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Resources:
    settings: Settings
    app_db_engine: Engine
    app_db_sessions: sessionmaker[Session]
    signing_keys: SigningKeys
    verified_tokens: VerifiedTokens
    clerk: ClerkBackend
    warehouse: WarehouseReader
    semantic_layer: SemanticLayer
    response_cache: ResponseCache
    pixel_rate_limiter: KeyRateLimiter
    # The one client of the platforms' OAuth and listing endpoints (api/connections).
    platforms_http: httpx.Client
    # Seals the platforms' credentials at rest and signs OAuth states.
    credentials_cipher: CredentialCipher
    # The copilot's Claude client (its connection pool), when ANTHROPIC_API_KEY is set.
    anthropic: AsyncAnthropic | None

    def close(self) -> None:
        self.clerk.close()
        self.platforms_http.close()
        self.warehouse.close()
        self.app_db_engine.dispose()


def open_resources(settings: Settings) -> Resources:
    if not settings.clerk_issuer:
        # Every route but /v1/health needs a verified caller; refuse to start rather than
        # answer 401 to everyone.
        raise RuntimeError("METRICX_CLERK_ISSUER is not set: the API cannot verify sessions")
    if not settings.clerk_authorized_parties:
        # Without them a token minted for any origin of the Clerk instance would be accepted.
        raise RuntimeError(
            "METRICX_CLERK_AUTHORIZED_PARTIES is not set: list the dashboard's origins, e.g. "
            "'[\"https://app.example.com\"]'"
        )
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
        signing_keys=SigningKeys(jwks_url),
        verified_tokens=VerifiedTokens(),
        clerk=ClerkBackend(settings.clerk_api_url, settings.clerk_secret_key),
        warehouse=warehouse,
        semantic_layer=semantic_layer,
        response_cache=ResponseCache(settings.response_cache_max_bytes),
        pixel_rate_limiter=KeyRateLimiter(
            settings.pixel_events_per_minute, settings.pixel_event_burst
        ),
        platforms_http=httpx.Client(timeout=PLATFORM_TIMEOUT_SECONDS),
        credentials_cipher=load_cipher(settings),
        anthropic=_anthropic(settings) if settings.anthropic_api_key else None,
    )


def _anthropic(settings: Settings) -> AsyncAnthropic:
    # Imported only when the copilot has a key: the SDK's eagerly loaded types are ~80 MB
    # resident, a quarter of the API's memory, which an API without Claude has no use for.
    from anthropic import AsyncAnthropic

    return AsyncAnthropic(
        api_key=settings.anthropic_api_key,
        base_url=settings.anthropic_base_url or None,
        timeout=settings.copilot_timeout_seconds,
        max_retries=settings.copilot_max_retries,
    )
