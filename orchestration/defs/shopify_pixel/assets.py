"""The pixel events landing asset: the API's inbox, moved into the warehouse per 15-minute window
of receipt for every Shopify connection.

No `from __future__ import annotations` here: Dagster reads the resources from the asset
function's annotations at definition time.
"""

from dagster import AssetExecutionContext, MaterializeResult

from orchestration.defs.shopify_pixel.sync import land_pixel_events
from orchestration.lib.connections import land_every_connection
from orchestration.lib.landing_asset import landing_asset, run_windows
from orchestration.lib.outcomes import ConnectionOutcome
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from warehouse.appdb.session import make_engine, make_session_factory
from warehouse.connection import Warehouse
from warehouse.raw_tables import SHOPIFY_PIXEL_EVENTS


@landing_asset(
    SHOPIFY_PIXEL_EVENTS,
    group="shopify",
    kinds={"python", "shopify"},
    description=(
        "Storefront events sent by each shop's web pixel to the API's intake, landed per "
        "connection and window of receipt, with UTM parameters and click ids read from the page "
        "URL and the order of checkout_completed. A run replaces exactly its windows."
    ),
)
def shopify_pixel_events(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
) -> MaterializeResult:
    windows = run_windows(context)
    engine = make_engine(app_database.url)

    def sync(target: SyncTarget, landing: Warehouse) -> ConnectionOutcome:
        with make_session_factory(engine)() as inbox:
            return land_pixel_events(target, inbox, windows, landing)

    try:
        return land_every_connection(
            context,
            "Shopify pixel events",
            windows,
            provider="shopify",
            warehouse=warehouse,
            app_database=app_database,
            sync_one=sync,
            # One shop at a time: the inbox is the local app database, and the work is the
            # warehouse's, which takes one writer at a time anyway.
            max_concurrency=1,
        )
    finally:
        engine.dispose()
