from __future__ import annotations

import httpx
import pytest

from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, mint_token

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_lists_only_the_callers_workspaces(
    client: httpx.AsyncClient,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    workspace_ids: dict[str, str],
) -> None:
    merchant = merchants[1]
    response = await client.get("/v1/workspaces", headers=bearer(mint_token(simulator, merchant)))

    assert response.status_code == 200
    assert response.json() == {
        "workspaces": [
            {
                "id": workspace_ids[merchant.slug],
                "slug": merchant.slug,
                "name": merchant.name,
                "currency": merchant.currency,
                "timezone": merchant.timezone,
            }
        ]
    }


async def test_a_refused_method_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    # GET and POST /v1/workspaces are two routes; Starlette alone would name the first's only.
    response = await client.put("/v1/workspaces")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"
