"""The pixel events landing asset: the API's inbox, moved into the warehouse per 15-minute window
of receipt for every Shopify connection."""

from dagster import AssetExecutionContext, MaterializeResult

from orchestration.defs.shopify_pixel.sync import land_pixel_events
from orchestration.lib.landing import landing_asset, landing_result, run_windows
from orchestration.lib.resources import AppDatabaseResource, WarehouseResource
from warehouse.appdb.session import make_engine, make_session_factory
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
    targets = app_database.sync_targets("shopify")
    engine = make_engine(app_database.url)
    try:
        # One session reads the inbox for every shop, in turn: the app database is local and
        # the work is the warehouse's, which takes one writer at a time anyway.
        with warehouse.open() as landing, make_session_factory(engine)() as inbox:
            landing.ensure_raw_schema()
            outcomes = [land_pixel_events(target, inbox, windows, landing) for target in targets]
    finally:
        engine.dispose()
    return landing_result(context, "Shopify pixel events", windows, outcomes)
