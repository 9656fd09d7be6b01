"""Settings that point every platform at the simulator: the one place they are written."""

from __future__ import annotations

from typing import TypedDict


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
    google_ads_developer_token: str
    google_oauth_client_id: str
    google_oauth_client_secret: str
    shopify_admin_base_url: str
    shopify_api_key: str
    shopify_api_secret: str
    clerk_issuer: str
    clerk_jwks_url: str


def simulated_platform_settings(simulator_url: str) -> SimulatedPlatformSettings:
    """The platforms served by the simulator at `simulator_url`."""
    return SimulatedPlatformSettings(
        meta_api_base_url=f"{simulator_url}/meta",
        meta_login_base_url=f"{simulator_url}/facebook",
        google_ads_api_base_url=f"{simulator_url}/google-ads",
        google_oauth_token_url=f"{simulator_url}/google-oauth/token",
        google_oauth_authorize_url=f"{simulator_url}/google-oauth/auth",
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
    )


def simulated_platforms_env(simulator_url: str) -> dict[str, str]:
    """The same settings as environment variables, for processes started from the demo."""
    # A TypedDict's items() are typed (str, object); every value here is a str.
    return {
        f"METRICX_{name.upper()}": str(value)
        for name, value in simulated_platform_settings(simulator_url).items()
    }
