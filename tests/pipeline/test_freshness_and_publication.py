"""What the pipeline publishes on each backend: how fresh each connection's data is
(marts.fct_landing_freshness, the freshness service and route). The version readers follow:
test_next_tick."""

from __future__ import annotations

import httpx

from api.freshness.service import STALE_AFTER_WINDOWS, freshness
from orchestration.lib.windows import WINDOW
from tests.helpers import NOW, RUN_RANGE, serve
from tests.pipeline.conftest import PipelineRun
from warehouse.appdb.session import open_session
from warehouse.serving import open_serving_reader


def test_the_freshness_mart_holds_each_connections_newest_landed_window(
    pipeline_run: PipelineRun,
) -> None:
    assert pipeline_run.succeeded
    # Ground truth: the landing log itself, every source the mart counts.
    expected = {
        (row["connection_id"], row["source_table"]): row["last_window_end"]
        for row in pipeline_run.read(
            "SELECT connection_id, source_table, max(window_end) AS last_window_end "
            "FROM raw.landing_log WHERE source_table IN ('meta_ads_insights_hourly', "
            "'google_ads_ad_group_hourly', 'shopify_orders', 'shopify_pixel_events') "
            "GROUP BY connection_id, source_table"
        )
    }
    built = {
        (row["connection_id"], row["source_table"]): row["last_window_end"]
        for row in pipeline_run.read(
            "SELECT connection_id, source_table, last_window_end FROM marts.fct_landing_freshness"
        )
    }
    assert built == expected
    assert {source_table for _, source_table in built} == {
        "meta_ads_insights_hourly",
        "google_ads_ad_group_hourly",
        "shopify_orders",
        "shopify_pixel_events",
    }


def test_every_source_of_the_run_is_fresh_at_its_end_and_stale_an_hour_later(
    pipeline_run: PipelineRun,
) -> None:
    reader = open_serving_reader(pipeline_run.settings.warehouse_url)
    try:
        with open_session(pipeline_run.settings.app_database_url) as app_db:
            for merchant in pipeline_run.world.merchants:
                workspace_id = pipeline_run.workspace_ids[merchant.slug]
                now = freshness(reader, workspace_id, NOW, app_db=app_db)
                later = freshness(
                    reader,
                    workspace_id,
                    NOW + (STALE_AFTER_WINDOWS + 1) * WINDOW,
                    app_db=app_db,
                )

                assert {source.source for source in now.sources} == {
                    "meta_ads",
                    "google_ads",
                    "shopify_orders",
                    "shopify_pixel",
                }, merchant.slug
                assert all(
                    source.last_window is not None and source.last_window.end == RUN_RANGE.end
                    for source in now.sources
                ), merchant.slug
                assert [source.windows_behind for source in now.sources] == [0] * 4
                assert not now.stale
                assert [source.windows_behind for source in later.sources] == [
                    STALE_AFTER_WINDOWS + 1
                ] * 4
                assert all(source.stale for source in later.sources)
    finally:
        reader.close()


async def test_the_freshness_route_answers_from_the_published_marts(
    pipeline_run: PipelineRun,
) -> None:
    merchant = pipeline_run.world.merchants[0]
    token = httpx.post(
        f"{pipeline_run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 300},
    ).json()["jwt"]
    async with serve(pipeline_run.settings) as client:
        response = await client.get(
            f"/v1/workspaces/{pipeline_run.workspace_ids[merchant.slug]}/freshness",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    ends = {source["last_window"]["end"] for source in response.json()["sources"]}
    assert ends == {RUN_RANGE.end.isoformat().replace("+00:00", "Z")}
    assert response.headers["etag"]
