"""The web app's public config: how it signs a merchant in, asked before anyone has."""

from __future__ import annotations

from metricx.settings import Settings
from tests.helpers import serve


async def test_the_config_names_the_simulated_sign_in_or_clerks_publishable_key(
    settings: Settings,
) -> None:
    simulated = settings.model_copy(update={"clerk_sign_in_url": "http://127.0.0.1:9/sign-in"})
    async with serve(simulated) as client:
        response = await client.get("/v1/web/config")
    assert response.status_code == 200
    assert response.json() == {
        "sign_in_url": "http://127.0.0.1:9/sign-in",
        "clerk_publishable_key": None,
    }

    production = settings.model_copy(
        update={"clerk_publishable_key": "pk_live_Y2xlcmsuZXhhbXBsZSQ"}
    )
    async with serve(production) as client:
        response = await client.get("/v1/web/config")
    assert response.json() == {
        "sign_in_url": None,
        "clerk_publishable_key": "pk_live_Y2xlcmsuZXhhbXBsZSQ",
    }
