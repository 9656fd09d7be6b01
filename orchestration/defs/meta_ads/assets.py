"""Meta Ads ingestion, landed once per 15-minute window for every connection: hourly ad insights
and the campaigns, ad sets and ads they name.

No `from __future__ import annotations` here: Dagster reads the config class and the resources
from the asset functions' annotations at definition time.
"""

from dagster import AssetExecutionContext, MaterializeResult
from pydantic import Field

from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.meta_ads.sync import MAX_RESTATEMENT_DAYS, sync_entities, sync_insights
from orchestration.lib.connections import land_every_connection
from orchestration.lib.landing_asset import landing_asset, run_windows
from orchestration.lib.outcomes import ConnectionOutcome
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.restatement import DEFAULT_RESTATEMENT_DAYS, RestatementConfig
from warehouse.connection import Warehouse
from warehouse.raw_tables import META_ADS_ENTITIES, META_ADS_INSIGHTS_HOURLY


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
        "day so far per connection and window; hourly, the previous days are captured again, "
        "whole, in the run's last window with the purchases Meta attributed since. Every "
        "capture stays as seen; the latest capture of a day is the truth. A re-run replaces "
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

    def sync(target: SyncTarget, landing: Warehouse) -> ConnectionOutcome:
        with meta_ads_api.client(target) as client:
            return sync_insights(
                target, client, windows, landing, restatement_days=restatement_days
            )

    return land_every_connection(
        context,
        "Meta insights",
        windows,
        provider="meta_ads",
        warehouse=warehouse,
        app_database=app_database,
        sync_one=sync,
        restatement_days=restatement_days,
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

    def sync(target: SyncTarget, landing: Warehouse) -> ConnectionOutcome:
        with meta_ads_api.client(target) as client:
            return sync_entities(target, client, windows, landing)

    return land_every_connection(
        context,
        "Meta entities",
        windows,
        provider="meta_ads",
        warehouse=warehouse,
        app_database=app_database,
        sync_one=sync,
    )
