"""Settings that point every platform at the simulator: the one place they are written."""

from __future__ import annotations

# The simulator's app credentials: it accepts these, and the real platforms never see them.
_SIMULATED_APP_CREDENTIALS = {
    "google_ads_developer_token": "sim-developer-token",
    "google_oauth_client_id": "sim-client-id",
    "google_oauth_client_secret": "sim-client-secret",
}


def simulated_platform_settings(simulator_url: str) -> dict[str, str]:
    """`Settings` fields (by name) for the platforms served by the simulator at `simulator_url`."""
    return {
        "meta_api_base_url": f"{simulator_url}/meta",
        "google_ads_api_base_url": f"{simulator_url}/google-ads",
        "google_oauth_token_url": f"{simulator_url}/google-oauth/token",
        **_SIMULATED_APP_CREDENTIALS,
        "shopify_admin_base_url": f"{simulator_url}/shopify/{{shop}}",
        "clerk_issuer": f"{simulator_url}/clerk",
        "clerk_jwks_url": f"{simulator_url}/clerk/.well-known/jwks.json",
    }


def simulated_platforms_env(simulator_url: str) -> dict[str, str]:
    """The same settings as environment variables, for processes started from the demo."""
    return {
        f"METRICX_{name.upper()}": value
        for name, value in simulated_platform_settings(simulator_url).items()
    }
