"""Google Ads ingestion: hourly ad group metrics landed once per 15-minute window for every
connection, with the last days restated hourly in their closing windows."""

from dagster import AssetExecutionContext, MaterializeResult

from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.defs.google_ads.sync import sync_ad_group_hours
from orchestration.lib.landing import (
    ConnectionOutcome,
    RestatementConfig,
    landing_asset,
    landing_result,
    run_windows,
    sync_every_connection,
)
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from warehouse.raw_tables import GOOGLE_ADS_AD_GROUP_HOURLY


class GoogleAdsLandingConfig(RestatementConfig):
    """Google attributes conversions to clicks up to 90 days back; the defaults restate two."""


@landing_asset(
    GOOGLE_ADS_AD_GROUP_HOURLY,
    group="google_ads",
    kinds={"python", "google"},
    description=(
        "Ad group hourly metrics from the Google Ads API, one capture of the account-local day "
        "so far per connection and window; hourly, the previous days are landed again in their "
        "closing windows as Google restates their conversions. The latest capture of a day is "
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
    with warehouse.open() as landing:
        landing.ensure_raw_schema()

        def sync(target: SyncTarget) -> ConnectionOutcome:
            opened = google_ads_api.open_client(
                target.credentials["refresh_token"],
                login_customer_id=target.settings.get("login_customer_id"),
            )
            with opened as client:
                return sync_ad_group_hours(
                    target, client, windows, landing, restatement_days=restatement_days
                )

        outcomes = sync_every_connection(app_database.sync_targets("google_ads"), sync)
    return landing_result(
        context, "Google Ads", windows, outcomes, restatement_days=restatement_days
    )
