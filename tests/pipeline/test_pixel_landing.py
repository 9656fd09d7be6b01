"""The pixel events landing asset: the replayed storefront traffic, from the API's inbox into
raw.shopify_pixel_events per window of receipt, checked against the shop world."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from dagster import DagsterInstance, materialize

from orchestration.definitions import build_resources
from orchestration.defs.shopify_pixel.assets import shopify_pixel_events
from orchestration.partitions import window_key
from simulator.shopify.world import ShopWorld
from tests.helpers import RUN_RANGE, read_warehouse
from tests.pipeline.conftest import PipelineRun

RAW = "raw.shopify_pixel_events"
# Sessions started this long before the range still send events (checkouts) inside it.
SESSIONS_FROM = RUN_RANGE.start - timedelta(hours=1)


def test_every_event_of_the_range_lands_once_with_its_order(pipeline_run: PipelineRun) -> None:
    shops = ShopWorld.of(pipeline_run.world)
    for merchant in pipeline_run.world.merchants:
        workspace_id = pipeline_run.workspace_ids[merchant.slug]
        expected = {
            event.event_id: event
            for event in shops.pixel_events(
                merchant.shop_domain,
                SESSIONS_FROM,
                RUN_RANGE.end,
            )
            if RUN_RANGE.start <= event.occurred_at < RUN_RANGE.end
        }
        rows = pipeline_run.read(
            f"SELECT event_id, event_name, client_id, occurred_at, received_at, window_start, "
            f"window_end, order_id, order_total, utm_campaign, fbclid, gclid FROM {RAW} "
            "WHERE workspace_id = :workspace_id",
            {"workspace_id": workspace_id},
        )
        landed = {row["event_id"]: row for row in rows}
        assert len(landed) == len(rows), "an event landed twice"
        assert set(landed) == set(expected), merchant.slug
        orders = {
            order.order_id: order
            for order in shops.orders(
                merchant.shop_domain,
                SESSIONS_FROM,
                RUN_RANGE.end,
            )
        }
        sessions = {
            session.session_id: session
            for session in shops.sessions(
                merchant.shop_domain,
                SESSIONS_FROM,
                RUN_RANGE.end,
            )
        }
        for event_id, event in expected.items():
            row = landed[event_id]
            assert row["event_name"] == event.name.value
            assert row["client_id"] == event.client_id
            assert row["occurred_at"].astimezone(UTC) == event.occurred_at
            assert row["window_start"] <= row["received_at"] < row["window_end"]
            assert row["order_id"] == event.order_id
            if event.order_id is not None:
                assert row["order_total"] == orders[event.order_id].total
            session = sessions[event.session_id]
            if event.event_id.endswith("-0"):  # the landing page: the session's URL parameters
                assert row["utm_campaign"] == session.utm.campaign
                assert row["fbclid"] == session.fbclid
                assert row["gclid"] == session.gclid


def test_rerunning_a_window_lands_the_same_slice(
    pipeline_run: PipelineRun, warehouse_copy: str
) -> None:
    # On a copy: the re-landed window's new landing times, with no build after them, would leave
    # the session's marts behind its raw tables for the tests after this one.
    settings = pipeline_run.settings.model_copy(update={"warehouse_url": warehouse_copy})

    def read(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return read_warehouse(warehouse_copy, sql, params)

    busiest = read(
        f"SELECT window_start, count(*) AS n FROM {RAW} GROUP BY window_start "
        "ORDER BY n DESC, window_start LIMIT 1",
    )[0]["window_start"]
    columns = "connection_id, event_id, event_name, occurred_at, received_at, order_total"
    query = f"SELECT {columns} FROM {RAW} WHERE window_start = :start ORDER BY event_id"
    before = read(query, {"start": busiest})
    assert before

    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [shopify_pixel_events(settings.partitions_start)],
            partition_key=window_key(busiest),
            resources=build_resources(settings),
            instance=instance,
        )

    assert result.success
    assert read(query, {"start": busiest}) == before
    logged = read(
        "SELECT row_count FROM raw.landing_log WHERE source_table = :table "
        "AND window_start = :start",
        {"table": "shopify_pixel_events", "start": busiest},
    )
    assert sum(row["row_count"] for row in logged) == len(before)
