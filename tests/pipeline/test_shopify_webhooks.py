"""Shopify's webhooks through the pipeline: an order webhook lands its shop's window early (the
sensor, then the run it launches), and a customer's redaction leaves nothing of them anywhere
(app database, raw tables, models, the readers' copy) on DuckDB and PostgreSQL, even after their
windows are landed again."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from dagster import AssetKey, DagsterInstance, build_sensor_context
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from sqlalchemy import inspect, select, text

from api.main import create_app
from api.webhooks.dependencies import webhook_clock
from metricx.settings import Settings
from orchestration.definitions import INGEST_JOB_NAME, build_definitions, build_resources
from orchestration.defs.shopify.redaction import REDACTION_JOB_NAME
from orchestration.lib.connections import CONNECTION_TAG
from orchestration.lib.loggers import RUN_LOGGER_CONFIG
from orchestration.lib.windows import WINDOW, window_containing
from orchestration.partitions import window_key
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.shopify.webhooks import (
    SignedDelivery,
    customer_contact,
    customers_data_request_payload,
    customers_redact_payload,
    order_payload,
    shop_payload,
    shop_redact_payload,
    sign,
)
from simulator.shopify.world import ShopWorld
from simulator.world import World
from stack.demo import seed_demo_workspaces
from tests.helpers import NOW, make_settings, read_warehouse, with_app_database_copy
from tests.pipeline.conftest import PipelineRun
from warehouse.appdb.models import Connection, PixelEvent, ShopifyRedaction
from warehouse.appdb.session import make_engine, open_session
from warehouse.connection import open_warehouse
from warehouse.serving import serving_path
from warehouse.url import parse_warehouse_url

PATH = "/v1/webhooks/shopify"
SHOPIFY_LANDING = [AssetKey(["raw", "shopify_orders"]), AssetKey(["raw", "shopify_pixel_events"])]


async def _deliver(settings: Settings, at: datetime, *deliveries: SignedDelivery) -> None:
    """Post the deliveries to the API as Shopify would, its clock at `at`."""
    app = create_app(settings)
    app.dependency_overrides[webhook_clock] = lambda: lambda: at
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as api,
    ):
        for delivery in deliveries:
            response = await api.post(PATH, content=delivery.body, headers=delivery.headers)
            assert response.json() == {"applied": True}, response.text


def _shop_connection_id(settings: Settings, merchant: Merchant) -> str:
    with open_session(settings.app_database_url) as session:
        connection_id = session.scalar(
            select(Connection.id).where(
                Connection.provider == "shopify",
                Connection.external_account_id == merchant.shop_domain,
            )
        )
    assert connection_id is not None
    return connection_id


@pytest.mark.asyncio(loop_scope="session")
async def test_an_order_webhook_lands_the_shops_running_window_within_a_sensor_tick(
    tmp_path: Path, world: World, simulator: SimulatorServer
) -> None:
    settings = make_settings(
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
        simulator_url=simulator.base_url,
    )
    seed_demo_workspaces(settings, world)
    merchant, other = world.merchants
    running = window_containing(NOW)  # 08:00–08:15, still running at 08:07
    [order, *_] = reversed(
        ShopWorld.of(world).orders_updated(merchant.shop_domain, running.start - WINDOW, NOW)
    )
    created = sign(merchant, "orders/create", order_payload(order), triggered_at=order.updated_at)

    await _deliver(settings, NOW, created)

    definitions = build_definitions(settings)
    sensor = definitions.get_sensor_def("land_shopify_orders_early")
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(
            instance=instance, resources={"app_database": build_resources(settings)["app_database"]}
        )
        [request] = list(sensor(context) or [])  # type: ignore[arg-type]
        # The running window is no partition: the run is the window's before, through the order.
        assert request.partition_key == window_key(running.start - WINDOW)
        assert request.tags[CONNECTION_TAG] == _shop_connection_id(settings, merchant)
        assert list(sensor(context) or []) == []  # type: ignore[arg-type]  # asked once, launched once
        run = definitions.resolve_job_def(INGEST_JOB_NAME).execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            tags=request.tags,
            asset_selection=request.asset_selection,
            run_config=RUN_LOGGER_CONFIG,
        )
        assert run.success

    landed = read_warehouse(
        settings.warehouse_url,
        "SELECT connection_id, order_id, window_start FROM raw.shopify_orders",
    )
    assert {row["connection_id"] for row in landed} == {_shop_connection_id(settings, merchant)}
    assert (order.order_id, window_containing(order.updated_at).start) in {
        (row["order_id"], row["window_start"]) for row in landed
    }
    assert _shop_connection_id(settings, other) not in {row["connection_id"] for row in landed}


@pytest.fixture
def redaction_settings(
    pipeline_run: PipelineRun, warehouse_copy: str, tmp_path: Path
) -> Iterator[Settings]:
    """The session's run, its warehouse and app database copied, for a test that erases."""
    assert pipeline_run.succeeded
    yield with_app_database_copy(pipeline_run.settings, tmp_path, warehouse_url=warehouse_copy)


@pytest.mark.asyncio(loop_scope="session")
async def test_a_redacted_customer_is_nowhere_even_after_their_windows_land_again(
    pipeline_run: PipelineRun, redaction_settings: Settings
) -> None:
    settings = redaction_settings
    merchant = pipeline_run.world.merchants[0]
    connection_id = _shop_connection_id(settings, merchant)
    # A customer with an order and a checkout seen by the pixel, both landed.
    [customer] = read_warehouse(
        settings.warehouse_url,
        "SELECT orders.customer_id, min(orders.order_id) AS order_id "
        "FROM raw.shopify_orders AS orders JOIN raw.shopify_pixel_events AS events "
        "ON events.order_id = orders.order_id AND events.connection_id = orders.connection_id "
        "WHERE orders.connection_id = :connection_id AND orders.customer_id IS NOT NULL "
        "GROUP BY orders.customer_id ORDER BY orders.customer_id LIMIT 1",
        {"connection_id": connection_id},
    )
    customer_id, order_id = customer["customer_id"], customer["order_id"]
    clients = {
        row["client_id"]
        for row in read_warehouse(
            settings.warehouse_url,
            "SELECT DISTINCT client_id FROM raw.shopify_pixel_events WHERE customer_id = :c",
            {"c": customer_id},
        )
    }
    contact = customer_contact(customer_id)
    # Client ids are UUIDs, found inside other text too (a session id starts with one).
    personal = Personal(exact={customer_id}, anywhere={contact.email, contact.phone, *clients})
    # Found before: the search can tell.
    assert personal.found_in_warehouse(settings.warehouse_url)
    assert personal.found_in_app_database(settings.app_database_url)
    touchpoints_before = _order_channels(settings.warehouse_url, order_id)

    orders = [order_id]
    await _deliver(
        settings,
        datetime.now(UTC),
        sign(
            merchant,
            "customers/data_request",
            customers_data_request_payload(merchant, customer_id, orders, 1),
            triggered_at=datetime.now(UTC),
        ),
        sign(
            merchant,
            "customers/redact",
            customers_redact_payload(merchant, customer_id, orders),
            triggered_at=datetime.now(UTC),
        ),
    )
    definitions = build_definitions(settings)
    with DagsterInstance.ephemeral() as instance:
        sensor = definitions.get_sensor_def("erase_redacted_personal_data")
        context = build_sensor_context(
            instance=instance, resources={"app_database": build_resources(settings)["app_database"]}
        )
        [request] = list(sensor(context) or [])  # type: ignore[arg-type]
        erased = definitions.resolve_job_def(REDACTION_JOB_NAME).execute_in_process(
            instance=instance, tags=request.tags
        )
        assert erased.success
        assert list(sensor(context) or []) == []  # type: ignore[arg-type]

        assert personal.found_in_warehouse(settings.warehouse_url) == []
        assert personal.found_in_app_database(settings.app_database_url) == []
        # Their order keeps its sale and its channels: the pages' paths and campaigns stayed.
        assert _order_channels(settings.warehouse_url, order_id) == touchpoints_before
        with open_session(settings.app_database_url) as session:
            (redaction,) = session.scalars(select(ShopifyRedaction))
            assert (redaction.customer_id, redaction.order_ids) == (None, [])
            assert redaction.erased_at is not None

        # Land every Shopify window of the run again: Shopify's Admin API (and the pixel inbox)
        # still know the order; the landing must not bring the customer back.
        first, last = pipeline_run.landed_range()
        landed_again = definitions.resolve_job_def(INGEST_JOB_NAME).execute_in_process(
            instance=instance,
            tags={
                ASSET_PARTITION_RANGE_START_TAG: window_key(first),
                ASSET_PARTITION_RANGE_END_TAG: window_key(last - WINDOW),
            },
            asset_selection=SHOPIFY_LANDING,
            run_config=RUN_LOGGER_CONFIG,
        )
        assert landed_again.success
        assert order_id in {
            row["order_id"]
            for row in read_warehouse(
                settings.warehouse_url,
                "SELECT order_id FROM raw.shopify_orders WHERE connection_id = :c",
                {"c": connection_id},
            )
        }
        assert personal.found_in_warehouse(settings.warehouse_url) == []

        # The merchant uninstalls the app; 48 hours later Shopify asks for the shop's data to go.
        now = datetime.now(UTC)
        await _deliver(
            settings,
            now,
            sign(merchant, "app/uninstalled", shop_payload(merchant), triggered_at=now),
            sign(merchant, "shop/redact", shop_redact_payload(merchant), triggered_at=now),
        )
        [request] = list(sensor(context) or [])  # type: ignore[arg-type]
        erased = definitions.resolve_job_def(REDACTION_JOB_NAME).execute_in_process(
            instance=instance, tags=request.tags
        )
        assert erased.success
    workspace_ids = pipeline_run.workspace_ids
    assert _shop_rows(settings, merchant, connection_id, workspace_ids[merchant.slug]) == {
        "raw.shopify_orders": 0,
        "raw.shopify_pixel_events": 0,
        "marts.fct_orders": 0,
        "marts.fct_sales": 0,
        "marts.dim_customers": 0,
        "inbox": 0,
    }
    other = pipeline_run.world.merchants[1]
    other_connection = _shop_connection_id(settings, other)
    assert all(_shop_rows(settings, other, other_connection, workspace_ids[other.slug]).values())


def _shop_rows(
    settings: Settings, merchant: Merchant, connection_id: str, workspace_id: str
) -> dict[str, int]:
    """Rows of the shop in each place its customers' data was."""
    params = {"c": connection_id, "shop": merchant.shop_domain, "w": workspace_id}
    counts = {
        table: read_warehouse(
            settings.warehouse_url,
            f"SELECT count(*) AS n FROM {table} WHERE {condition}",
            {name: value for name, value in params.items() if f":{name}" in condition},
        )[0]["n"]
        for table, condition in (
            ("raw.shopify_orders", "connection_id = :c"),
            ("raw.shopify_pixel_events", "connection_id = :c"),
            ("marts.fct_orders", "shop_domain = :shop"),
            ("marts.fct_sales", "connection_id = :c"),
            ("marts.dim_customers", "workspace_id = :w"),
        )
    }
    with open_session(settings.app_database_url) as session:
        inbox = session.scalars(
            select(PixelEvent.id).where(PixelEvent.connection_id == connection_id)
        )
        counts["inbox"] = len(list(inbox))
    return counts


def _order_channels(warehouse_url: str, order_id: str) -> list[tuple[Any, ...]]:
    """How attribution sees the order's touchpoints (recomputed from the raw tables)."""
    rows = read_warehouse(
        warehouse_url,
        "SELECT * FROM intermediate.int_order_touchpoints WHERE order_id = :order_id",
        {"order_id": order_id},
    )
    kept = ("touched_at", "channel", "provider", "campaign_id", "touchpoint_source")
    return sorted(tuple(str(row.get(column)) for column in kept) for row in rows)


class Personal:
    """What names the customer: ids that are whole values (a customer or client id; one id can
    be the prefix of another), and contact details that may sit inside any text."""

    def __init__(self, exact: set[str], anywhere: set[str]) -> None:
        self.exact = exact
        self.anywhere = anywhere

    def names(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        if value in self.exact or any(part in value for part in self.anywhere):
            return True
        # JSON text (pixel payloads, quarantined rows) holds ids as quoted strings.
        return "{" in value and any(json.dumps(identifier) in value for identifier in self.exact)

    def found_in_warehouse(self, warehouse_url: str) -> list[str]:
        """`schema.table.column` of every text value naming the customer, in every table and view
        of the warehouse, and on DuckDB in the readers' serving copy too."""
        warehouse = open_warehouse(warehouse_url)
        try:
            found = self._search(warehouse.fetch_all, "")
        finally:
            warehouse.close()
        url = parse_warehouse_url(warehouse_url)
        if url.backend == "duckdb" and serving_path(url).exists():
            with duckdb.connect(str(serving_path(url)), read_only=True) as serving:

                def fetch(sql: str, params: Any = None) -> list[dict[str, Any]]:
                    cursor = serving.execute(sql)
                    names = [column[0] for column in cursor.description or []]
                    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

                found += self._search(fetch, "serving:")
        return found

    def _search(self, fetch: Any, label: str) -> list[str]:
        columns = fetch(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_schema NOT IN ('information_schema', 'pg_catalog') "
            "AND data_type IN ('VARCHAR', 'TEXT', 'text', 'character varying', 'JSON')"
        )
        by_table: dict[str, list[str]] = defaultdict(list)
        for column in columns:
            by_table[f"{column['table_schema']}.{column['table_name']}"].append(
                column["column_name"]
            )
        found = []
        # One read per table: most relations are dbt's views, which a read computes again.
        for name, names in by_table.items():
            selected = ", ".join(f'"{column}"' for column in names)
            rows = fetch(f"SELECT {selected} FROM {name}")
            found += [
                f"{label}{name}.{column}"
                for column in names
                if any(self.names(row[column]) for row in rows)
            ]
        return found

    def found_in_app_database(self, url: str) -> list[str]:
        engine = make_engine(url)
        found = []
        try:
            with engine.connect() as connection:
                inspector = inspect(connection)
                for table in inspector.get_table_names():
                    for column in inspector.get_columns(table):
                        values = connection.execute(
                            text(f'SELECT DISTINCT "{column["name"]}" FROM {table}')
                        ).scalars()
                        if any(self.names(value) for value in values):
                            found.append(f"{table}.{column['name']}")
        finally:
            engine.dispose()
        return found
