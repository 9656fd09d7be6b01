"""Shopify ingestion: orders landed per 15-minute window by when they last changed.

No `from __future__ import annotations` here: Dagster reads the resources from the asset
function's annotations at definition time.
"""

from datetime import datetime

from dagster import AssetExecutionContext, MaterializeResult

from orchestration.defs.shopify.resources import ShopifyAdminApiResource
from orchestration.defs.shopify.sync import sync_orders
from orchestration.lib.connections import land_every_connection
from orchestration.lib.landing_asset import landing_asset, run_windows
from orchestration.lib.outcomes import ConnectionOutcome
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.windows import WINDOW, Window, window_containing, windows_between
from warehouse.connection import Warehouse
from warehouse.raw_tables import SHOPIFY_ORDERS

# Set by an order webhook's early landing (sensors.py): the run lands its window and the windows
# after it through this moment, the running one only in part. The models read that part's
# orders; its landing log row (landed before its window ended) does not count as the window
# landed (stg_shopify__landing_log) until the window's scheduled run lands it whole.
LAND_THROUGH_TAG = "metricx/land_through"


@landing_asset(
    SHOPIFY_ORDERS,
    group="shopify",
    kinds={"python", "shopify"},
    description=(
        "Shopify orders per connection and window: the orders whose latest change (creation, "
        "fulfilment, cancellation, refund) falls in the window, as they stood when read. The "
        "latest version of an order wins downstream. A run replaces exactly its windows and "
        "the window before them, read again for the customer journeys Shopify had not built yet. "
        "An order webhook's run lands the running window too, in part, until its own run."
    ),
)
def shopify_orders(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    shopify_admin_api: ShopifyAdminApiResource,
) -> MaterializeResult:
    windows = run_windows(context)
    windows += _windows_through(context, windows[-1])
    lookback = shopify_admin_api.journey_lookback_windows * WINDOW
    read_windows = list(windows_between(windows[0].start - lookback, windows[-1].end))
    # A backfill or catch-up reads each shop once, in bulk: paged queries drain the cost bucket.
    bulk = len(read_windows) >= shopify_admin_api.bulk_from_windows

    def sync(target: SyncTarget, landing: Warehouse) -> ConnectionOutcome:
        with shopify_admin_api.client(target) as client:
            return sync_orders(target, client, read_windows, landing, bulk=bulk)

    return land_every_connection(
        context,
        "Shopify",
        windows,
        provider="shopify",
        warehouse=warehouse,
        app_database=app_database,
        sync_one=sync,
        windows_read_again=len(read_windows) - len(windows),
        read_through="bulk" if bulk else "pages",
    )


def _windows_through(context: AssetExecutionContext, last: Window) -> list[Window]:
    through = context.run.tags.get(LAND_THROUGH_TAG)
    if through is None:
        return []
    return list(windows_between(last.end, window_containing(datetime.fromisoformat(through)).end))
