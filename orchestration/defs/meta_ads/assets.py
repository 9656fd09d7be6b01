"""Meta Ads ingestion: hourly ad insights landed once per 15-minute window for every connection."""

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

from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.meta_ads.sync import DEFAULT_PURCHASE_ACTION_TYPE, sync_insights
from orchestration.lib.resources import AppDatabaseResource, WarehouseResource
from orchestration.lib.windows import windows_between
from orchestration.partitions import fifteen_minute_partitions
from warehouse.raw_tables import META_ADS_INSIGHTS_HOURLY

# Requests in flight at once; each connection is one sequential request series.
MAX_CONCURRENT_CONNECTIONS = 8


@asset(
    key=AssetKey(["raw", META_ADS_INSIGHTS_HOURLY.name]),
    partitions_def=fifteen_minute_partitions(),
    # A backfill runs as one run per range, so the connector fetches each day once.
    backfill_policy=BackfillPolicy.single_run(),
    group_name="meta_ads",
    kinds={"python", "meta"},
    description=(
        "Ad-level hourly insights from the Meta Marketing API, one capture of the account-local "
        "day so far per connection and window. A re-run replaces exactly its windows."
    ),
)
def meta_ads_insights_hourly(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    meta_ads_api: MetaAdsApiResource,
) -> MaterializeResult:
    time_window = context.partition_time_window
    windows = list(windows_between(time_window.start, time_window.end))
    targets = app_database.sync_targets("meta_ads")
    with warehouse.open() as landing:
        landing.ensure_raw_schema()

        def run(target):
            client = meta_ads_api.client(
                target.credentials["access_token"],
                purchase_action_type=target.settings.get(
                    "purchase_action_type", DEFAULT_PURCHASE_ACTION_TYPE
                ),
            )
            return sync_insights(target, client, windows, landing)

        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_CONNECTIONS) as pool:
            outcomes = list(pool.map(run, targets))

    failed = [outcome for outcome in outcomes if outcome.error]
    metadata = {
        "windows": len(windows),
        "connections": len(outcomes),
        "failed_connections": len(failed),
        "rows_landed": sum(outcome.rows for outcome in outcomes),
        "requests": sum(outcome.requests for outcome in outcomes),
        "retries": sum(outcome.retries for outcome in outcomes),
        "outcomes": MetadataValue.json([outcome.as_metadata() for outcome in outcomes]),
    }
    for outcome in failed:
        context.log.error(
            f"Meta sync failed for connection {outcome.connection_id} "
            f"(account {outcome.account_id}): {outcome.error}"
        )
    if failed:
        # The healthy connections' slices are committed; failing the run marks these windows
        # for a retry, which re-syncs every connection and replaces their slices exactly.
        raise Failure(
            description=f"{len(failed)} of {len(outcomes)} Meta connections failed to sync",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)
