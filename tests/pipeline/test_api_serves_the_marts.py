"""The last hop of the thin slice: what the pipeline built is what a merchant's API call returns."""

from __future__ import annotations

from decimal import Decimal

import httpx

from tests.helpers import serve
from tests.pipeline.conftest import PipelineRun
from warehouse.connection import open_warehouse


async def test_daily_spend_endpoint_returns_the_mart_figures(pipeline_run: PipelineRun) -> None:
    merchant = pipeline_run.world.merchants[0]
    workspace_id = pipeline_run.workspace_ids[merchant.slug]
    warehouse = open_warehouse(pipeline_run.settings.warehouse_url)
    try:
        expected = {
            row["date_day"].isoformat(): Decimal(row["spend"]).quantize(Decimal("0.01"))
            for row in warehouse.fetch_all(
                "SELECT date_day, sum(spend_workspace_currency) AS spend "
                "FROM marts.fct_ad_reporting_daily "
                "WHERE workspace_id = :workspace_id GROUP BY date_day",
                {"workspace_id": workspace_id},
            )
        }
    finally:
        warehouse.close()
    assert expected
    token = httpx.post(
        f"{pipeline_run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 300},
    ).json()["jwt"]

    async with serve(pipeline_run.settings) as client:
        response = await client.get(
            f"/v1/workspaces/{workspace_id}/spend/daily",
            params={"start": min(expected), "end": max(expected)},
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["currency"] == merchant.currency
    assert {day["date"]: Decimal(day["spend"]) for day in body["days"]} == expected
