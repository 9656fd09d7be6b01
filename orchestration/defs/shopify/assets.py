"""Shopify ingestion: orders landed per 15-minute window by when they last changed."""

from concurrent.futures import ThreadPoolExecutor

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.shopify.resources import ShopifyAdminApiResource
from orchestration.defs.shopify.sync import ConnectionOutcome, sync_orders
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.windows import WINDOW, windows_between
from orchestration.partitions import fifteen_minute_partitions
from warehouse.raw_tables import SHOPIFY_ORDERS

# Shops synced at once; each shop's sync is one sequential request series against its bucket.
MAX_CONCURRENT_CONNECTIONS = 8


@asset(
    key=AssetKey(["raw", SHOPIFY_ORDERS.name]),
    partitions_def=fifteen_minute_partitions(),
    # A backfill runs as one run per range, so each shop is read once (in bulk) for the range.
    backfill_policy=BackfillPolicy.single_run(),
    group_name="shopify",
    kinds={"python", "shopify"},
    description=(
        "Shopify orders per connection and window: the orders whose latest change (creation, "
        "fulfilment, cancellation, refund) falls in the window, as they stood when read. The "
        "latest version of an order wins downstream. A run replaces exactly its windows and "
        "the window before them, read again for the customer journeys Shopify had not built yet."
    ),
)
def shopify_orders(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    shopify_admin_api: ShopifyAdminApiResource,
) -> MaterializeResult:
    time_window = context.partition_time_window
    windows = list(windows_between(time_window.start, time_window.end))
    lookback = shopify_admin_api.journey_lookback_windows * WINDOW
    read_windows = list(windows_between(time_window.start - lookback, time_window.end))
    bulk = len(read_windows) >= shopify_admin_api.bulk_from_windows
    targets = app_database.sync_targets("shopify")
    with warehouse.open() as landing:
        landing.ensure_raw_schema()

        def run(target: SyncTarget) -> ConnectionOutcome:
            with shopify_admin_api.client(
                target.external_account_id, target.credentials["access_token"]
            ) as client:
                return sync_orders(target, client, read_windows, landing, bulk=bulk)

        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_CONNECTIONS) as pool:
            outcomes = list(pool.map(run, targets))

    failed = [outcome for outcome in outcomes if outcome.error]
    metadata = {
        "windows": len(windows),
        "windows_read_again": len(read_windows) - len(windows),
        "read_through": "bulk" if bulk else "pages",
        "connections": len(outcomes),
        "failed_connections": len(failed),
        "rows_landed": sum(outcome.rows for outcome in outcomes),
        "rows_quarantined": sum(outcome.quarantined for outcome in outcomes),
        "requests": sum(outcome.requests for outcome in outcomes),
        "retries": sum(outcome.retries for outcome in outcomes),
        "outcomes": MetadataValue.json([outcome.as_metadata() for outcome in outcomes]),
    }
    for outcome in failed:
        context.log.error(
            f"Shopify sync failed for connection {outcome.connection_id} "
            f"(shop {outcome.shop_domain}): {outcome.error}"
        )
    if failed:
        # The healthy shops' slices are committed; failing the run marks these windows for a
        # retry, which re-syncs every shop and replaces their slices exactly.
        raise Failure(
            description=f"{len(failed)} of {len(outcomes)} Shopify connections failed to sync",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)
