"""Runtime configuration, read once from environment variables (see README.md, "Configuration")."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from metricx.logs import LogFormat

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
# 50 merchants asking a few dozen distinct questions each, ~20 kB per answer (a year of days):
# ~50 MB would hold them all; 32 MB keeps the recently asked ones and bounds the process.
DEFAULT_RESPONSE_CACHE_BYTES = 32 * 1024 * 1024
# Clerk's session tokens live 60 s (refreshed by its frontend SDK); an hour leaves room for a
# longer lifetime configured on the instance and for scripts, and no more.
DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 3600
# A large shop's peak: ~30 page views a second, each a few pixel events.
DEFAULT_PIXEL_EVENTS_PER_MINUTE = 6_000


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="METRICX_", extra="ignore")

    warehouse_url: str = Field(
        default=f"duckdb:///{DATA_DIR / 'warehouse.duckdb'}",
        description="duckdb:///path/to/file.duckdb or postgresql://user@host:port/db",
    )
    app_database_url: str = Field(
        default=f"sqlite:///{DATA_DIR / 'app.db'}",
        description="SQLAlchemy URL of the app database (users, workspaces, connections).",
    )
    secret_key: str = Field(
        default="",
        description="Fernet key encrypting platform credentials at rest; generated into the "
        "data folder when empty.",
    )
    partitions_start: str = Field(
        default="2026-08-01", description="First 15-minute partition (UTC date)."
    )
    # Once a day, the ad platforms' recent days are landed again, whole: conversions keep being
    # attributed to a click (and restated) for the platform's attribution or conversion window.
    # Each landing asset's config bounds its platform's (its longest window): a window beyond
    # fails when the code location loads.
    meta_ads_restatement_days: int = Field(
        default=28,
        ge=1,
        description="Account-local days the daily `meta_restatement` run lands again: Meta "
        "attributes purchases up to 28 days after the click.",
    )
    google_ads_restatement_days: int = Field(
        default=30,
        ge=1,
        description="Account-local days the daily `google_ads_restatement` run lands again: "
        "Google's default conversion window (set it to the longest of the accounts' conversion "
        "actions, at most 90).",
    )
    api_public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where browsers reach this API: the platforms redirect the OAuth consent "
        "back to `{api_public_url}/v1/connections/oauth/{provider}/callback`, which must be "
        "registered with each platform's app.",
    )
    meta_api_base_url: str = "https://graph.facebook.com"
    meta_api_version: str = "v21.0"
    meta_login_base_url: str = Field(
        default="https://www.facebook.com", description="Host of the Facebook Login dialog."
    )
    meta_app_id: str = ""
    meta_app_secret: str = ""
    google_ads_api_base_url: str = "https://googleads.googleapis.com"
    google_ads_api_version: str = "v18"
    google_oauth_token_url: str = "https://oauth2.googleapis.com/token"
    google_oauth_authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_oauth_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    google_ads_developer_token: str = ""
    google_oauth_client_id: str = ""
    google_oauth_client_secret: str = ""
    shopify_admin_base_url: str = Field(
        default="https://{shop}",
        description="Admin API host per shop; `{shop}` is the shop's myshopify.com domain.",
    )
    shopify_api_version: str = "2025-01"
    shopify_api_key: str = Field(default="", description="The Shopify app's client id.")
    shopify_api_secret: str = Field(
        default="",
        description="The Shopify app's client secret: signs install callbacks and webhooks.",
    )
    shopify_previous_api_secrets: str = Field(
        default="",
        description="Client secrets the Shopify app had before a rotation, separated by spaces "
        "or commas: webhooks signed with them are still accepted (Shopify retries a delivery for "
        "4 hours with its original payload). Empty once the rotation is over.",
    )
    clerk_issuer: str = Field(default="", description="Expected `iss` of Clerk session tokens.")
    clerk_jwks_url: str = Field(default="", description="JWKS endpoint of the Clerk instance.")
    clerk_authorized_parties: list[str] = Field(
        default_factory=list,
        description="Accepted `azp` claims: the origins of the dashboard. The API refuses to "
        "start without them.",
    )
    clerk_max_token_lifetime_seconds: int = Field(
        default=DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
        ge=1,
        description="Longest validity period (`exp` − `iat`/`nbf`) of an accepted session token.",
    )
    clerk_sign_in_url: str = Field(
        default="",
        description="The web app's sign-in page: it sends the browser back to `redirect_url` "
        "with a session token in the URL fragment (the simulated Clerk's, for the demo and tests).",
    )
    clerk_publishable_key: str = Field(
        default="",
        description="Clerk's publishable key (`pk_live_…`): the web app signs in with Clerk's "
        "React SDK. Empty: it sends the browser to `clerk_sign_in_url` (the demo and tests).",
    )
    clerk_api_url: str = Field(
        default="https://api.clerk.com",
        description="Clerk Backend API (its `/v1/users`), read on first sign-in and by repair.",
    )
    clerk_secret_key: str = Field(
        default="", description="Clerk Backend API secret key (`sk_…`), sent as a bearer token."
    )
    clerk_webhook_secret: str = Field(
        default="",
        description="Signing secret(s) (`whsec_…`) of the Clerk webhook endpoint. During a "
        "rotation give the new and the old one, separated by spaces or commas: a delivery "
        "signed with any of them is accepted. Empty refuses every delivery.",
    )
    platform_admins: str = Field(
        default="",
        description="Clerk user ids (`user_…`) allowed to call the /v1/admin routes, separated "
        "by spaces or commas.",
    )

    response_cache_max_bytes: int = Field(
        default=DEFAULT_RESPONSE_CACHE_BYTES,
        ge=0,
        description="Bound of the API's cache of reporting answers (api/kit/response_cache.py); "
        "0 keeps none, so every request computes its answer (the benchmark's `cache off`).",
    )
    pixel_events_per_minute: int = Field(
        default=DEFAULT_PIXEL_EVENTS_PER_MINUTE,
        ge=1,
        description="Events a minute one pixel key may post to each API process (a token bucket "
        "per key, in the process's memory: N processes allow N times as many); past it the "
        "intake answers 429 with Retry-After. A request costs its events, at least one.",
    )
    pixel_event_burst: int = Field(
        default=DEFAULT_PIXEL_EVENTS_PER_MINUTE,
        ge=500,
        description="Events a key may post at once after a quiet spell (the bucket's size, a "
        "minute's worth by default); at least a whole batch (500 events).",
    )

    copilot_model: str = Field(
        default="claude-sonnet-5-5",
        description="Claude model the copilot understands and answers with (with a key).",
    )
    copilot_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Per request to the model; then the parser answers."
    )
    copilot_max_retries: int = Field(
        default=2, ge=0, description="Retries of a failed model request (the SDK's backoff)."
    )
    copilot_trace_prompts: bool = Field(
        default=False,
        description="Send the copilot's prompts and answers to Sentry with its spans; off, "
        "only names, token counts and latency are sent.",
    )

    sentry_traces_sample_rate: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Share of API requests traced to Sentry (with SENTRY_DSN): their spans, "
        "the copilot's stages and model calls among them.",
    )

    log_format: LogFormat = Field(
        default="json",
        description="`json`: one JSON object per line, for a log collector; `text`: for a "
        "terminal (the demo's default).",
    )
    log_level: str = "INFO"

    # Conventional names without the METRICX_ prefix, as their SDKs document them.
    sentry_dsn: str = Field(default="", validation_alias="SENTRY_DSN")
    anthropic_api_key: str = Field(default="", validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str = Field(default="", validation_alias="ANTHROPIC_BASE_URL")
    dagster_home: Path = Field(default=DATA_DIR / "dagster_home", validation_alias="DAGSTER_HOME")


def split_list(value: str) -> list[str]:
    """The items of a space- or comma-separated setting (secrets, ids: neither holds either)."""
    return value.replace(",", " ").split()


@cache
def get_settings() -> Settings:
    return Settings()
