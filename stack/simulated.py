"""Settings that point every platform at the simulator: the one place they are written."""

from __future__ import annotations

import json
from typing import TypedDict

from simulator.clerk.api import AUTHORIZED_PARTY
from simulator.clerk.users import SIMULATED_SECRET_KEY, SIMULATED_WEBHOOK_SECRET


class SimulatedPlatformSettings(TypedDict):
    """The `Settings` fields (by name) the simulator stands in for; typed so that
    `Settings(**simulated_platform_settings(url))` is checked field by field."""

    meta_api_base_url: str
    meta_login_base_url: str
    meta_app_id: str
    meta_app_secret: str
    google_ads_api_base_url: str
    google_oauth_token_url: str
    google_oauth_authorize_url: str
    google_oauth_revoke_url: str
    google_ads_developer_token: str
    google_oauth_client_id: str
    google_oauth_client_secret: str
    shopify_admin_base_url: str
    shopify_api_key: str
    shopify_api_secret: str
    clerk_issuer: str
    clerk_jwks_url: str
    clerk_authorized_parties: list[str]
    clerk_sign_in_url: str
    clerk_api_url: str
    clerk_secret_key: str
    clerk_webhook_secret: str


def simulated_platform_settings(simulator_url: str) -> SimulatedPlatformSettings:
    """The platforms served by the simulator at `simulator_url`."""
    return SimulatedPlatformSettings(
        meta_api_base_url=f"{simulator_url}/meta",
        meta_login_base_url=f"{simulator_url}/facebook",
        google_ads_api_base_url=f"{simulator_url}/google-ads",
        google_oauth_token_url=f"{simulator_url}/google-oauth/token",
        google_oauth_authorize_url=f"{simulator_url}/google-oauth/auth",
        google_oauth_revoke_url=f"{simulator_url}/google-oauth/revoke",
        # The simulator's app credentials: it accepts these, and the real platforms never see
        # them.
        google_ads_developer_token="sim-developer-token",
        google_oauth_client_id="sim-client-id",
        google_oauth_client_secret="sim-client-secret",
        meta_app_id="sim-meta-app-id",
        meta_app_secret="sim-meta-app-secret",
        shopify_api_key="sim-shopify-api-key",
        shopify_api_secret="sim-shopify-api-secret",
        shopify_admin_base_url=f"{simulator_url}/shopify/{{shop}}",
        clerk_issuer=f"{simulator_url}/clerk",
        clerk_jwks_url=f"{simulator_url}/clerk/.well-known/jwks.json",
        # The origin the simulated Clerk mints its tokens for.
        clerk_authorized_parties=[AUTHORIZED_PARTY],
        clerk_sign_in_url=f"{simulator_url}/clerk/sign-in",
        clerk_api_url=f"{simulator_url}/clerk",
        clerk_secret_key=SIMULATED_SECRET_KEY,
        clerk_webhook_secret=SIMULATED_WEBHOOK_SECRET,
    )


def simulated_platforms_env(simulator_url: str) -> dict[str, str]:
    """The same settings as environment variables, for processes started from the demo."""
    # Lists are read from the environment as JSON (pydantic-settings' complex fields).
    return {
        f"METRICX_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in simulated_platform_settings(simulator_url).items()
    }
