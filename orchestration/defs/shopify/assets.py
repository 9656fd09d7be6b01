"""Shopify ingestion: orders landed per 15-minute window by when they last changed."""

from dagster import AssetExecutionContext, MaterializeResult

from orchestration.defs.shopify.resources import ShopifyAdminApiResource
from orchestration.defs.shopify.sync import sync_orders
from orchestration.lib.landing import (
    ConnectionOutcome,
    landing_asset,
    landing_result,
    run_windows,
    sync_every_connection,
)
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.windows import WINDOW, windows_between
from warehouse.raw_tables import SHOPIFY_ORDERS


@landing_asset(
    SHOPIFY_ORDERS,
    group="shopify",
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
    windows = run_windows(context)
    lookback = shopify_admin_api.journey_lookback_windows * WINDOW
    read_windows = list(windows_between(windows[0].start - lookback, windows[-1].end))
    # A backfill or catch-up reads each shop once, in bulk: paged queries drain the cost bucket.
    bulk = len(read_windows) >= shopify_admin_api.bulk_from_windows
    with warehouse.open() as landing:
        landing.ensure_raw_schema()

        def sync(target: SyncTarget) -> ConnectionOutcome:
            with shopify_admin_api.client(
                target.external_account_id, target.credentials["access_token"]
            ) as client:
                return sync_orders(target, client, read_windows, landing, bulk=bulk)

        outcomes = sync_every_connection(app_database.sync_targets("shopify"), sync)
    return landing_result(
        context,
        "Shopify",
        windows,
        outcomes,
        windows_read_again=len(read_windows) - len(windows),
        read_through="bulk" if bulk else "pages",
    )
