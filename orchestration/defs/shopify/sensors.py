"""Landing a shop's orders early: its order webhooks (`orders/create`, `orders/updated`,
`refunds/create`) ask for it in the app database (warehouse/appdb/shopify_webhooks.py), and this
sensor launches a run of the orders landing for that shop alone: the window before the one the
request came in, through the request (LAND_THROUGH_TAG, which lands the running window so far).
The models follow the landing by automation, so a new order is on the dashboard minutes after
it was placed rather than after the window's scheduled landing (up to 17 minutes later)."""

from __future__ import annotations

from collections.abc import Iterator

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from orchestration.defs.shopify.assets import LAND_THROUGH_TAG
from orchestration.lib.connections import CONNECTION_TAG
from orchestration.lib.resources import AppDatabaseResource
from orchestration.lib.windows import WINDOW, window_containing
from orchestration.partitions import window_key

SENSOR_NAME = "land_shopify_orders_early"
# Shopify's own order notifications reach a merchant within seconds; half a minute is the
# daemon's default interval and keeps a busy shop (an order a second) to one run per interval.
SENSOR_INTERVAL_SECONDS = 30


def early_landing_run_requests(
    app_database: AppDatabaseResource, orders_key: AssetKey
) -> Iterator[RunRequest]:
    """One run per shop that asked, through its latest request, the request then forgotten (a
    later order renews it). The run key names the request: requested twice, the same run is
    launched once."""
    for connection_id, requested_at in app_database.shopify_landing_requests():
        # The running window is no partition (orchestration/partitions.py): the run is the
        # window's before it, which the asset extends through the request.
        before = window_containing(requested_at).start - WINDOW
        yield RunRequest(
            run_key=f"early-{connection_id}-{requested_at.isoformat()}",
            partition_key=window_key(before),
            asset_selection=[orders_key],
            tags={CONNECTION_TAG: connection_id, LAND_THROUGH_TAG: requested_at.isoformat()},
        )
        app_database.clear_shopify_landing_request(connection_id, requested_at)


def build_early_landing_sensor(
    ingest_job: UnresolvedAssetJobDefinition, orders_key: AssetKey
) -> SensorDefinition:
    @sensor(
        name=SENSOR_NAME,
        job=ingest_job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Land a shop's current window of orders as soon as a Shopify order "
        "webhook announces a change, for that shop alone.",
    )
    def land_shopify_orders_early(
        context: SensorEvaluationContext, app_database: AppDatabaseResource
    ) -> Iterator[RunRequest]:
        yield from early_landing_run_requests(app_database, orders_key)

    return land_shopify_orders_early
