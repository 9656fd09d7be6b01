"""Merchants keep getting answers while the pipeline writes the DuckDB warehouse."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from orchestration.lib.windows import WINDOW
from stack.demo import DemoRange, run_pipeline
from tests.helpers import RUN_RANGE, serve
from tests.pipeline.conftest import PipelineRun
from warehouse.serving import serving_path
from warehouse.url import parse_warehouse_url


@pytest.mark.parametrize("pipeline_run", ["duckdb"], indirect=True)
async def test_api_answers_every_read_while_a_run_writes(pipeline_run: PipelineRun) -> None:
    merchant = pipeline_run.world.merchants[0]
    workspace_id = pipeline_run.workspace_ids[merchant.slug]
    token = httpx.post(
        f"{pipeline_run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 600},
    ).json()["jwt"]
    published = serving_path(parse_warehouse_url(pipeline_run.settings.warehouse_url))
    before = published.stat().st_ino

    last_window = DemoRange(RUN_RANGE.end - WINDOW, RUN_RANGE.end)
    outcome: dict[str, bool] = {}
    writer = threading.Thread(
        target=lambda: outcome.update(
            success=run_pipeline(
                pipeline_run.definitions, pipeline_run.instance, last_window
            ).success
        )
    )
    statuses: list[int] = []
    async with serve(pipeline_run.settings) as client:
        writer.start()
        while writer.is_alive():
            response = await client.get(
                f"/v1/workspaces/{workspace_id}/spend/daily",
                params={"start": "2026-11-19", "end": "2026-11-20"},
                headers={"Authorization": f"Bearer {token}"},
            )
            statuses.append(response.status_code)
            await asyncio.sleep(0.02)
    writer.join()

    assert outcome["success"]
    assert published.stat().st_ino != before, "the run should have published new marts"
    assert len(statuses) >= 5
    assert set(statuses) == {200}
