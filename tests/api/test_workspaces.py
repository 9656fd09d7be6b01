from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api.reporting.dependencies import ReportPeriods
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


async def test_a_report_period_without_the_workspace_checked_first_answers_nothing() -> None:
    # The periods read the workspace's timezone from what CurrentWorkspace resolved; a route
    # that forgot to declare it must fail, not answer for an unchecked workspace.
    app = FastAPI()

    @app.get("/v1/workspaces/{workspace_id}/days")
    async def days(periods: ReportPeriods) -> dict[str, str]:
        return {"start": str(periods.current.start)}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as unchecked:
        with pytest.raises(RuntimeError, match="CurrentWorkspace"):
            await unchecked.get("/v1/workspaces/someone-elses/days")
