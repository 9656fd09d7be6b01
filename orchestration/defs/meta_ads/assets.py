"""Meta Ads ingestion, landed once per 15-minute window for every connection: hourly ad insights
and the campaigns, ad sets and ads they name.

No `from __future__ import annotations` here: Dagster reads the config class from the asset
function's annotations at definition time.
"""

from collections.abc import Callable
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

from orchestration.connectors.meta_ads.client import DEFAULT_PURCHASE_ACTION_TYPE, MetaAdsClient
from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.meta_ads.sync import (
    DEFAULT_RESTATEMENT_DAYS,
    DEFAULT_RESTATEMENT_EVERY_MINUTES,
    MAX_RESTATEMENT_DAYS,
    ConnectionOutcome,
    restatement_due,
    sync_entities,
    sync_insights,
)
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.windows import Window, windows_between
from orchestration.partitions import fifteen_minute_partitions
from warehouse.connection import Warehouse
from warehouse.raw_tables import META_ADS_ENTITIES, META_ADS_INSIGHTS_HOURLY

# Requests in flight at once; each connection is one sequential request series.
MAX_CONCURRENT_CONNECTIONS = 8

ConnectionSync = Callable[[SyncTarget, MetaAdsClient, list[Window], Warehouse], ConnectionOutcome]


class MetaAdsInsightsConfig(Config):
    restatement_days: int = Field(
        default=DEFAULT_RESTATEMENT_DAYS,
        ge=0,
        le=MAX_RESTATEMENT_DAYS,
        description="Account-local days before the last window's day that a restating run lands "
        "again, whole, so purchases Meta attributes late reach the marts.",
    )
    restatement_every_minutes: int = Field(
        default=DEFAULT_RESTATEMENT_EVERY_MINUTES,
        description="Runs whose last window starts a multiple of this after UTC midnight "
        "restate; 15 restates on every run.",
    )


@asset(
    key=AssetKey(["raw", META_ADS_INSIGHTS_HOURLY.name]),
    partitions_def=fifteen_minute_partitions(),
    # A backfill runs as one run per range, so the connector fetches each day once.
    backfill_policy=BackfillPolicy.single_run(),
    group_name="meta_ads",
    kinds={"python", "meta"},
    description=(
        "Ad-level hourly insights from the Meta Marketing API, one capture of the account-local "
        "day so far per connection and window; hourly, the previous days are landed again in "
        "their closing windows with the purchases Meta attributed since. A re-run replaces "
        "exactly its windows."
    ),
)
def meta_ads_insights_hourly(
    context: AssetExecutionContext,
    config: MetaAdsInsightsConfig,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    meta_ads_api: MetaAdsApiResource,
) -> MaterializeResult:
    windows = _run_windows(context)
    restatement_days = (
        config.restatement_days
        if restatement_due(windows[-1], config.restatement_every_minutes)
        else 0
    )

    def sync(
        target: SyncTarget, client: MetaAdsClient, windows: list[Window], landing: Warehouse
    ) -> ConnectionOutcome:
        return sync_insights(target, client, windows, landing, restatement_days=restatement_days)

    outcomes = _sync_every_connection(windows, warehouse, app_database, meta_ads_api, sync)
    return _result(context, "insights", windows, outcomes, restatement_days=restatement_days)


@asset(
    key=AssetKey(["raw", META_ADS_ENTITIES.name]),
    partitions_def=fifteen_minute_partitions(),
    backfill_policy=BackfillPolicy.single_run(),
    group_name="meta_ads",
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
    windows = _run_windows(context)
    outcomes = _sync_every_connection(windows, warehouse, app_database, meta_ads_api, sync_entities)
    return _result(context, "entities", windows, outcomes)


def _run_windows(context: AssetExecutionContext) -> list[Window]:
    time_window = context.partition_time_window
    return list(windows_between(time_window.start, time_window.end))


def _sync_every_connection(
    windows: list[Window],
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    meta_ads_api: MetaAdsApiResource,
    sync: ConnectionSync,
) -> list[ConnectionOutcome]:
    targets = app_database.sync_targets("meta_ads")
    with warehouse.open() as landing:
        landing.ensure_raw_schema()

        def run(target: SyncTarget) -> ConnectionOutcome:
            purchase_action_type = target.settings.get(
                "purchase_action_type", DEFAULT_PURCHASE_ACTION_TYPE
            )
            with meta_ads_api.client(
                target.credentials["access_token"], purchase_action_type=purchase_action_type
            ) as client:
                return sync(target, client, windows, landing)

        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_CONNECTIONS) as pool:
            return list(pool.map(run, targets))


def _result(
    context: AssetExecutionContext,
    what: str,
    windows: list[Window],
    outcomes: list[ConnectionOutcome],
    *,
    restatement_days: int | None = None,
) -> MaterializeResult:
    failed = [outcome for outcome in outcomes if outcome.error]
    reconnect = [outcome for outcome in failed if outcome.needs_reconnect]
    metadata: dict[str, object] = {
        "windows": len(windows),
        "connections": len(outcomes),
        "failed_connections": len(failed),
        "connections_needing_reconnect": MetadataValue.json(
            [outcome.connection_id for outcome in reconnect]
        ),
        "rows_landed": sum(outcome.rows for outcome in outcomes),
        "rows_quarantined": sum(outcome.quarantined for outcome in outcomes),
        "requests": sum(outcome.requests for outcome in outcomes),
        "retries": sum(outcome.retries for outcome in outcomes),
        "outcomes": MetadataValue.json([outcome.as_metadata() for outcome in outcomes]),
    }
    if restatement_days is not None:
        metadata["restatement_days"] = restatement_days
    for outcome in failed:
        context.log.error(
            f"Meta {what} sync failed for connection {outcome.connection_id} "
            f"(account {outcome.account_id}): {outcome.error}"
        )
    retryable = [outcome for outcome in failed if not outcome.needs_reconnect]
    if retryable:
        # The healthy connections' slices are committed; failing the run marks these windows
        # for a retry, which re-syncs every connection and replaces their slices exactly.
        raise Failure(
            description=f"{len(retryable)} of {len(outcomes)} Meta connections failed to sync "
            f"{what}",
            metadata=metadata,
        )
    # A connection whose token no longer works fails alone and does not fail the run: a retry
    # cannot fix it, and failing would hold back every other merchant's models until the
    # merchant reconnects. Its windows are filled by re-running them once it has.
    return MaterializeResult(metadata=metadata)
