"""The last hop of the thin slice: what the pipeline built is what a merchant's API call returns."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx

from orchestration.lib.windows import WINDOW
from simulator.merchants import Merchant
from tests.helpers import RUN_RANGE, serve
from tests.pipeline.conftest import PipelineRun
from warehouse.connection import open_warehouse


def _token(run: PipelineRun, merchant: Merchant) -> str:
    response = httpx.post(
        f"{run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 300},
    )
    response.raise_for_status()
    return response.json()["jwt"]


async def test_daily_spend_endpoint_returns_the_mart_figures(pipeline_run: PipelineRun) -> None:
    merchant = pipeline_run.world.merchants[0]
    workspace_id = pipeline_run.workspace_ids[merchant.slug]
    warehouse = open_warehouse(pipeline_run.settings.warehouse_url)
    try:
        expected = {
            row["date_day"].isoformat(): Decimal(row["spend"]).quantize(Decimal("0.01"))
            for row in warehouse.fetch_all(
                "SELECT workspace_date_day AS date_day, sum(spend_workspace_currency) AS spend "
                "FROM marts.fct_ad_reporting_hourly "
                "WHERE workspace_id = :workspace_id GROUP BY workspace_date_day",
                {"workspace_id": workspace_id},
            )
        }
    finally:
        warehouse.close()
    assert expected
    token = _token(pipeline_run, merchant)

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


async def test_daily_spend_says_missing_for_days_never_landed_and_partial_for_the_runs(
    pipeline_run: PipelineRun,
) -> None:
    """The run lands 12 hours across each merchant's local midnight: those two days are partial
    (with their spend), the days around them never landed: missing, spend null, not 0.00."""
    async with serve(pipeline_run.settings) as client:
        for merchant in pipeline_run.world.merchants:
            timezone = ZoneInfo(merchant.timezone)
            first = RUN_RANGE.start.astimezone(timezone).date()
            last = (RUN_RANGE.end - WINDOW).astimezone(timezone).date()
            response = await client.get(
                f"/v1/workspaces/{pipeline_run.workspace_ids[merchant.slug]}/spend/daily",
                params={
                    "start": (first - timedelta(days=3)).isoformat(),
                    "end": (last + timedelta(days=2)).isoformat(),
                },
                headers={"Authorization": f"Bearer {_token(pipeline_run, merchant)}"},
            )
            assert response.status_code == 200, response.text
            days = {day["date"]: day for day in response.json()["days"]}
            run_days = {first.isoformat(), last.isoformat()}
            assert {d: day["coverage"] for d, day in days.items() if d in run_days} == {
                d: "partial" for d in run_days
            }, merchant.slug
            # Spend on both days: the platforms deliver every hour (ground truth: the mart test).
            assert all(Decimal(days[d]["spend"]) > 0 for d in run_days), merchant.slug
            never_landed = {d: day for d, day in days.items() if d not in run_days}
            assert len(never_landed) == 5
            assert all(
                day == {"date": d, "spend": None, "coverage": "missing"}
                for d, day in never_landed.items()
            ), (merchant.slug, never_landed)
