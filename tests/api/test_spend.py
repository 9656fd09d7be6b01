from __future__ import annotations

from datetime import datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, mint_token, serve

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def owner(simulator: SimulatorServer, merchants: list[Merchant]) -> dict[str, str]:
    return bearer(mint_token(simulator, merchants[0]))


@pytest.fixture
def spend_path(workspace_ids: dict[str, str]) -> str:
    return f"/v1/workspaces/{workspace_ids['demo-1']}/spend/daily"


async def test_daily_spend_sums_the_workspace_and_says_how_much_of_each_day_landed(
    client: httpx.AsyncClient, owner: dict[str, str], spend_path: str, workspace_ids: dict[str, str]
) -> None:
    response = await client.get(
        spend_path, params={"start": "2026-11-18", "end": "2026-11-23"}, headers=owner
    )

    assert response.status_code == 200
    assert response.json() == {
        "workspace_id": workspace_ids["demo-1"],
        "currency": "USD",
        "days": [
            # Two ads; demo-2's 55.00 not included. Google had not landed yet.
            {"date": "2026-11-18", "spend": "12.75", "coverage": "partial"},
            # Both connections landed the whole day: no delivery, for sure.
            {"date": "2026-11-19", "spend": "0.00", "coverage": "complete"},
            {"date": "2026-11-20", "spend": "100.01", "coverage": "complete"},  # 100.0050 rounded
            {"date": "2026-11-21", "spend": "0.00", "coverage": "partial"},  # Google's gap
            {"date": "2026-11-22", "spend": "7.00", "coverage": "partial"},  # Google counts too
            # Nothing landed: unknown, not zero.
            {"date": "2026-11-23", "spend": None, "coverage": "missing"},
        ],
    }


async def test_default_period_is_the_last_30_days_in_the_workspace_timezone(
    client: httpx.AsyncClient, owner: dict[str, str], spend_path: str, merchants: list[Merchant]
) -> None:
    response = await client.get(spend_path, headers=owner)

    days = [day["date"] for day in response.json()["days"]]
    today = datetime.now(ZoneInfo(merchants[0].timezone)).date()
    assert len(days) == 30
    assert days[-1] == today.isoformat()
    assert days[0] == (today - timedelta(days=29)).isoformat()


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-11-22", "end": "2026-11-18"},
        {"start": "2025-01-01", "end": "2026-01-02"},  # 367 days
        {"end": "0001-01-01"},  # its default start would be before the first day (schemathesis)
    ],
)
async def test_invalid_period_is_422(
    client: httpx.AsyncClient, owner: dict[str, str], spend_path: str, params: dict[str, str]
) -> None:
    response = await client.get(spend_path, params=params, headers=owner)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 422
    assert response.json()["detail"]


# Pydantic alone would read `0` as the Unix epoch's day and a midnight timestamp as its day
# (found by schemathesis: tests/pipeline/test_api_schema.py).
@pytest.mark.parametrize("start", ["2026-13-01", "0", "86400", "2026-11-18T00:00:00"])
async def test_malformed_date_is_422_problem(
    client: httpx.AsyncClient, owner: dict[str, str], spend_path: str, start: str
) -> None:
    response = await client.get(spend_path, params={"start": start}, headers=owner)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"]) == ("about:blank", HTTPStatus(422).phrase)
    assert body["errors"][0]["loc"] == ["query", "start"]


async def test_unpublished_warehouse_is_503(
    settings: Settings, owner: dict[str, str], spend_path: str, tmp_path: Path
) -> None:
    unpublished = settings.model_copy(
        update={"warehouse_url": f"duckdb:///{tmp_path / 'never-built.duckdb'}"}
    )
    async with serve(unpublished) as client:
        response = await client.get(spend_path, headers=owner)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
