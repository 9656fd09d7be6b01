"""Google Ads ingestion: hourly ad group metrics landed once per 15-minute window for every
connection, with the last days restated on every run."""

from concurrent.futures import ThreadPoolExecutor

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.defs.google_ads.sync import (
    DEFAULT_RESTATEMENT_DAYS,
    ConnectionOutcome,
    failed_outcome,
    sync_ad_group_hours,
)
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.windows import windows_between
from orchestration.partitions import fifteen_minute_partitions
from warehouse.raw_tables import GOOGLE_ADS_AD_GROUP_HOURLY

# Requests in flight at once; each connection is one sequential request series.
MAX_CONCURRENT_CONNECTIONS = 8


class GoogleAdsLandingConfig(Config):
    restatement_days: int = Field(
        default=DEFAULT_RESTATEMENT_DAYS,
        ge=0,
        description="Account-local days before the last window's day that the run lands again, "
        "so conversions Google attributes late update them.",
    )


@asset(
    key=AssetKey(["raw", GOOGLE_ADS_AD_GROUP_HOURLY.name]),
    partitions_def=fifteen_minute_partitions(),
    # A backfill runs as one run per range, so the connector fetches each day once.
    backfill_policy=BackfillPolicy.single_run(),
    group_name="google_ads",
    kinds={"python", "google"},
    description=(
        "Ad group hourly metrics from the Google Ads API, one capture of the account-local day "
        "so far per connection and window; the run's last window also re-lands the previous "
        "days as Google restates their conversions. The latest capture of a day is the truth. "
        "A re-run replaces exactly its windows."
    ),
)
def google_ads_ad_group_hourly(
    context: AssetExecutionContext,
    config: GoogleAdsLandingConfig,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    google_ads_api: GoogleAdsApiResource,
) -> MaterializeResult:
    time_window = context.partition_time_window
    windows = list(windows_between(time_window.start, time_window.end))
    targets = app_database.sync_targets("google_ads")
    with warehouse.open() as landing:
        landing.ensure_raw_schema()

        def run(target: SyncTarget) -> ConnectionOutcome:
            try:
                opened = google_ads_api.open_client(
                    target.credentials["refresh_token"],
                    login_customer_id=target.settings.get("login_customer_id"),
                )
                with opened as client:
                    return sync_ad_group_hours(
                        target, client, windows, landing, restatement_days=config.restatement_days
                    )
            except Exception as exc:  # stored credentials or settings unusable: this one only
                return failed_outcome(target, exc)

        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_CONNECTIONS) as pool:
            outcomes = list(pool.map(run, targets))

    failed = [outcome for outcome in outcomes if outcome.error]
    metadata = {
        "windows": len(windows),
        "connections": len(outcomes),
        "failed_connections": len(failed),
        "rows_landed": sum(outcome.rows for outcome in outcomes),
        "rows_quarantined": sum(outcome.quarantined for outcome in outcomes),
        "restated_days": config.restatement_days,
        "requests": sum(outcome.requests for outcome in outcomes),
        "retries": sum(outcome.retries for outcome in outcomes),
        "outcomes": MetadataValue.json([outcome.as_metadata() for outcome in outcomes]),
    }
    for outcome in failed:
        context.log.error(
            f"Google Ads sync failed for connection {outcome.connection_id} "
            f"(customer {outcome.customer_id}): {outcome.error}"
        )
    if failed:
        # The healthy connections' slices are committed; failing the run marks these windows
        # for a retry, which re-syncs every connection and replaces their slices exactly.
        raise Failure(
            description=f"{len(failed)} of {len(outcomes)} Google Ads connections failed to sync",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)
