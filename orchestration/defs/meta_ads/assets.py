"""Meta Ads ingestion, landed once per 15-minute window for every connection: hourly ad insights
and the campaigns, ad sets and ads they name.

No `from __future__ import annotations` here: Dagster reads the config class from the asset
function's annotations at definition time.
"""

from collections.abc import Callable

from dagster import AssetExecutionContext, MaterializeResult
from pydantic import Field

from orchestration.connectors.meta_ads.client import DEFAULT_PURCHASE_ACTION_TYPE, MetaAdsClient
from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.meta_ads.sync import MAX_RESTATEMENT_DAYS, sync_entities, sync_insights
from orchestration.lib.landing import (
    DEFAULT_RESTATEMENT_DAYS,
    ConnectionOutcome,
    RestatementConfig,
    landing_asset,
    landing_result,
    run_windows,
    sync_every_connection,
)
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.windows import Window
from warehouse.connection import Warehouse
from warehouse.raw_tables import META_ADS_ENTITIES, META_ADS_INSIGHTS_HOURLY

ConnectionSync = Callable[[SyncTarget, MetaAdsClient, list[Window], Warehouse], ConnectionOutcome]


class MetaAdsInsightsConfig(RestatementConfig):
    restatement_days: int = Field(
        default=DEFAULT_RESTATEMENT_DAYS,
        ge=0,
        le=MAX_RESTATEMENT_DAYS,
        description="Account-local days before the last window's day that a restating run lands "
        "again, whole, so purchases Meta attributes late reach the marts.",
    )


@landing_asset(
    META_ADS_INSIGHTS_HOURLY,
    group="meta_ads",
    kinds={"python", "meta"},
    description=(
        "Ad-level hourly insights from the Meta Marketing API, one capture of the account-local "
        "day so far per connection and window; hourly, the previous days are landed again in "
        "their closing windows with the purchases Meta attributed since. A re-run replaces "
        "exactly its windows."
    ),
    config_cls=MetaAdsInsightsConfig,
)
def meta_ads_insights_hourly(
    context: AssetExecutionContext,
    config: MetaAdsInsightsConfig,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    meta_ads_api: MetaAdsApiResource,
) -> MaterializeResult:
    windows = run_windows(context)
    restatement_days = config.days_to_restate(windows)

    def sync(
        target: SyncTarget, client: MetaAdsClient, windows: list[Window], landing: Warehouse
    ) -> ConnectionOutcome:
        return sync_insights(target, client, windows, landing, restatement_days=restatement_days)

    outcomes = _sync_every_connection(windows, warehouse, app_database, meta_ads_api, sync)
    return landing_result(
        context, "Meta insights", windows, outcomes, restatement_days=restatement_days
    )


@landing_asset(
    META_ADS_ENTITIES,
    group="meta_ads",
    kinds={"python", "meta"},
    description=(
        "Campaigns, ad sets and ads (status, budgets in minor units) from the Meta Marketing "
        "API, as of the run, in the slice of its last window per connection."
    ),
)
def meta_ads_entities(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    meta_ads_api: MetaAdsApiResource,
) -> MaterializeResult:
    windows = run_windows(context)
    outcomes = _sync_every_connection(windows, warehouse, app_database, meta_ads_api, sync_entities)
    return landing_result(context, "Meta entities", windows, outcomes)


def _sync_every_connection(
    windows: list[Window],
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    meta_ads_api: MetaAdsApiResource,
    sync: ConnectionSync,
) -> list[ConnectionOutcome]:
    with warehouse.open() as landing:
        landing.ensure_raw_schema()

        def sync_one(target: SyncTarget) -> ConnectionOutcome:
            purchase_action_type = target.settings.get(
                "purchase_action_type", DEFAULT_PURCHASE_ACTION_TYPE
            )
            with meta_ads_api.client(
                target.credentials["access_token"], purchase_action_type=purchase_action_type
            ) as client:
                return sync(target, client, windows, landing)

        return sync_every_connection(app_database.sync_targets("meta_ads"), sync_one)
