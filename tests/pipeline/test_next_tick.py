"""The schedule's next tick after the session's run, on DuckDB and PostgreSQL: the run's last
window landed and built again. Landing a window twice changes nothing in the tables; the build
still publishes a new version for readers; and on DuckDB merchants keep getting answers (from
the published copy) while the run writes the warehouse.

A re-run costs half a minute, so one per backend serves the three tests: the `rerun` fixture
records what each compares, before, during and after it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from orchestration.lib.windows import WINDOW
from stack.demo import DemoRange, run_pipeline
from tests.helpers import RUN_RANGE, serve
from tests.pipeline.conftest import PipelineRun
from warehouse.serving import open_serving_reader, serving_path
from warehouse.url import parse_warehouse_url

LAST_WINDOW = DemoRange(RUN_RANGE.end - WINDOW, RUN_RANGE.end)
COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM raw.meta_ads_insights_hourly) AS meta_rows,"
    " (SELECT count(*) FROM raw.google_ads_ad_group_hourly) AS google_rows,"
    " (SELECT count(*) FROM raw.landing_log) AS slices,"
    " (SELECT count(*) FROM marts.fct_metric_snapshots) AS snapshots,"
    " (SELECT sum(spend_delta) FROM marts.fct_metric_snapshots) AS snapshot_spend,"
    " (SELECT count(*) FROM marts.fct_ad_reporting_hourly) AS hourly_rows,"
    " (SELECT count(*) FROM marts.fct_ad_reporting_daily) AS daily_rows,"
    " (SELECT sum(spend) FROM marts.fct_ad_reporting_daily) AS spend"
)


@dataclass
class Rerun:
    succeeded: bool
    counts_before: list[dict[str, Any]]
    counts_after: list[dict[str, Any]]
    # The version one serving reader, open throughout, reported: before the run, after a read,
    # after the run, and asked again.
    versions: list[str | None]
    # DuckDB: the published file's inode before and after, and the API's answers during the run.
    published_inodes: tuple[int, int] | None = None
    statuses: list[int] = field(default_factory=list)


@pytest.fixture(scope="module")
async def rerun(pipeline_run: PipelineRun) -> AsyncIterator[Rerun]:
    assert pipeline_run.succeeded
    on_duckdb = pipeline_run.backend == "duckdb"
    # Only DuckDB readers are served from a published copy of the warehouse.
    published = (
        serving_path(parse_warehouse_url(pipeline_run.settings.warehouse_url))
        if on_duckdb
        else None
    )
    merchant = pipeline_run.world.merchants[0]
    workspace_id = pipeline_run.workspace_ids[merchant.slug]
    token = httpx.post(
        f"{pipeline_run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 600},
    ).json()["jwt"]

    counts_before = pipeline_run.read(COUNTS_SQL)
    inode_before = published.stat().st_ino if published else None
    reader = open_serving_reader(pipeline_run.settings.warehouse_url)
    try:
        versions = [reader.published_version()]
        reader.fetch_all("SELECT count(*) FROM marts.fct_ad_reporting_daily")
        versions.append(reader.published_version())

        outcome: dict[str, bool] = {}
        writer = threading.Thread(
            target=lambda: outcome.update(
                success=run_pipeline(
                    pipeline_run.definitions, pipeline_run.instance, LAST_WINDOW
                ).success
            )
        )
        statuses: list[int] = []
        async with serve(pipeline_run.settings) as client:
            writer.start()
            while writer.is_alive():
                # PostgreSQL readers query the warehouse itself (MVCC): only DuckDB's are
                # served from the copy the run swaps.
                if on_duckdb:
                    response = await client.get(
                        f"/v1/workspaces/{workspace_id}/spend/daily",
                        params={"start": "2026-11-19", "end": "2026-11-20"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    statuses.append(response.status_code)
                await asyncio.sleep(0.02)
        writer.join()

        versions += [reader.published_version(), reader.published_version()]
        yield Rerun(
            succeeded=outcome.get("success", False),
            counts_before=counts_before,
            counts_after=pipeline_run.read(COUNTS_SQL),
            versions=versions,
            published_inodes=(inode_before, published.stat().st_ino)
            if published and inode_before is not None
            else None,
            statuses=statuses,
        )
    finally:
        reader.close()


def test_rerunning_a_window_replaces_exactly_its_slice(rerun: Rerun) -> None:
    assert rerun.succeeded
    assert rerun.counts_after == rerun.counts_before


def test_a_build_publishes_a_new_version_and_reads_keep_the_current_one(rerun: Rerun) -> None:
    assert rerun.succeeded
    before, after_a_read, after, asked_again = rerun.versions
    assert before
    assert after_a_read == before
    assert after and after != before
    assert asked_again == after


@pytest.mark.parametrize("pipeline_run", ["duckdb"], indirect=True, scope="session")
def test_api_answers_every_read_while_a_run_writes(rerun: Rerun) -> None:
    assert rerun.succeeded
    assert rerun.published_inodes is not None
    before, after = rerun.published_inodes
    assert after != before, "the run should have published new marts"
    assert len(rerun.statuses) >= 5
    assert set(rerun.statuses) == {200}
