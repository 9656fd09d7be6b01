"""Headers every answer carries, whatever its status, and the docs pages served from the API
itself; on both app databases."""

from __future__ import annotations

import re

import httpx
import pytest

from api.kit.security_headers import SECURITY_HEADERS
from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, mint_token
from tests.helpers import serve


def _assert_guarded(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, (name, response.status_code)
    assert response.headers["cache-control"] == "private, no-cache"
    assert "server" not in response.headers


async def test_every_answer_is_guarded_and_revalidated_privately(
    settings_on_each_app_db: Settings, simulator: SimulatorServer, merchants: list[Merchant]
) -> None:
    token = bearer(mint_token(simulator, merchants[0]))
    async with serve(settings_on_each_app_db) as client:
        [workspace] = (await client.get("/v1/workspaces", headers=token)).json()["workspaces"]
        daily = f"/v1/workspaces/{workspace['id']}/spend/daily"
        answers = {
            "health": await client.get("/v1/health"),
            "workspaces": await client.get("/v1/workspaces", headers=token),
            "401": await client.get("/v1/workspaces"),
            "404": await client.get("/v1/workspaces/nope/spend/daily", headers=token),
            "422": await client.get(daily, headers=token, params={"end": "0001-01-29"}),
            "spend": await client.get(daily, headers=token, params={"end": "2026-11-20"}),
        }
        revalidated = await client.get(
            daily,
            headers={**token, "If-None-Match": answers["spend"].headers["etag"]},
            params={"end": "2026-11-20"},
        )

    for name, response in answers.items():
        assert response.status_code == (int(name) if name.isdigit() else 200), name
        _assert_guarded(response)
    # The dashboard's revalidation still works under `no-cache`: same ETag, 304, no body.
    assert revalidated.status_code == 304
    assert revalidated.headers["etag"] == answers["spend"].headers["etag"]
    _assert_guarded(revalidated)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_their_assets_from_the_api(settings: Settings, page: str) -> None:
    async with serve(settings) as client:
        html = await client.get(page)
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text)
        # The scripts' own references too (Swagger UI's bundle, ReDoc's standalone).
        assets += re.findall(r"""url: *['"]([^'"]+)['"]""", html.text)
        fetched = {asset: await client.get(asset) for asset in assets}

    assert html.status_code == 200
    _assert_guarded(html)
    assert assets, "the page loads no asset: the pattern above no longer reads it"
    for asset, response in fetched.items():
        assert asset.startswith("/"), f"{page} loads {asset} from another host"
        assert response.status_code == 200, asset
    assert not re.search(r"https?://", html.text), "the page names a third-party URL"
