"""Google Ads ingestion: hourly ad group metrics landed once per 15-minute window for every
connection, with the last days restated hourly in the run's last window and the conversion
window's once a day (`google_ads_restatement`); and the campaigns, ad groups and ads with their
statuses.

No `from __future__ import annotations` here: Dagster reads the config class and the resources
from the asset function's annotations at definition time.
"""

from dagster import AssetExecutionContext, MaterializeResult
from pydantic import Field

from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.defs.google_ads.sync import (
    MAX_RESTATEMENT_DAYS,
    sync_ad_group_hours,
    sync_entities,
)
from orchestration.lib.connections import land_every_connection
from orchestration.lib.landing_asset import landing_asset, run_windows
from orchestration.lib.outcomes import ConnectionOutcome
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.restatement import DEFAULT_RESTATEMENT_DAYS, RestatementConfig
from warehouse.connection import Warehouse
from warehouse.raw_tables import GOOGLE_ADS_AD_GROUP_HOURLY, GOOGLE_ADS_ENTITIES


class GoogleAdsLandingConfig(RestatementConfig):
    restatement_days: int = Field(
        default=DEFAULT_RESTATEMENT_DAYS,
        ge=0,
        le=MAX_RESTATEMENT_DAYS,
        description="Account-local days before the last window's day that a restating run lands "
        "again, whole, so conversions Google counts or restates late reach the marts.",
    )


@landing_asset(
    GOOGLE_ADS_AD_GROUP_HOURLY,
    group="google_ads",
    kinds={"python", "google"},
    description=(
        "Ad group hourly metrics from the Google Ads API, one capture of the account-local day "
        "so far per connection and window; hourly, the previous days are captured again, whole, "
        "in the run's last window as Google restates their conversions, and once a day the "
        "whole conversion window's. Every capture stays as seen; the latest capture of a day is "
        "the truth. A re-run replaces exactly its windows."
    ),
    config_cls=GoogleAdsLandingConfig,
)
def google_ads_ad_group_hourly(
    context: AssetExecutionContext,
    config: GoogleAdsLandingConfig,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    google_ads_api: GoogleAdsApiResource,
) -> MaterializeResult:
    windows = run_windows(context)
    restatement_days = config.days_to_restate(windows)

    def sync(target: SyncTarget, landing: Warehouse) -> ConnectionOutcome:
        with google_ads_api.client(target) as client:
            return sync_ad_group_hours(
                target, client, windows, landing, restatement_days=restatement_days
            )

    return land_every_connection(
        context,
        "Google Ads",
        windows,
        provider="google_ads",
        warehouse=warehouse,
        app_database=app_database,
        sync_one=sync,
        restatement_days=restatement_days,
    )


@landing_asset(
    GOOGLE_ADS_ENTITIES,
    group="google_ads",
    kinds={"python", "google"},
    description=(
        "Campaigns, ad groups and ads with their names and statuses (ENABLED, PAUSED, REMOVED) "
        "from the Google Ads API, as of the run, in the slice of its last window per connection."
    ),
)
def google_ads_entities(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    google_ads_api: GoogleAdsApiResource,
) -> MaterializeResult:
    windows = run_windows(context)

    def sync(target: SyncTarget, landing: Warehouse) -> ConnectionOutcome:
        with google_ads_api.client(target) as client:
            return sync_entities(target, client, windows, landing)

    return land_every_connection(
        context,
        "Google Ads entities",
        windows,
        provider="google_ads",
        warehouse=warehouse,
        app_database=app_database,
        sync_one=sync,
    )
