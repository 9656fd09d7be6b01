"""Landing again what a connection missed while its credentials were refused.

The landing runs skip a connection marked `needs_reconnect` (orchestration/lib/connections.py);
when the merchant reconnects, the API records the missed range on the connection
(warehouse/appdb/reconnects.py), and this sensor launches one ranged run of that provider's
landing assets over it. The schedule's ticks after the reconnect take the windows from then on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from orchestration.lib.resources import AppDatabaseResource, Backfill
from orchestration.partitions import latest_complete_window_key, window_key

SENSOR_NAME = "backfill_reconnected_connections"
SENSOR_INTERVAL_SECONDS = 60


def backfill_range(backfill: Backfill) -> tuple[str, str] | None:
    """First and last window keys to land again: from the window the first refusal was in to the
    last window the schedule had taken (complete, past the platforms' lag) at the reconnect."""
    start = backfill.start.astimezone(UTC)
    first = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    last = latest_complete_window_key(backfill.end)
    if window_key(first) > last:
        return None
    return window_key(first), last


def backfill_run_requests(
    app_database: AppDatabaseResource, landing_assets: Mapping[str, Sequence[AssetKey]]
) -> Iterator[RunRequest]:
    """One ranged run per reconnected connection (each landing asset runs a range at once), its
    range forgotten once requested; the run key makes a repeated request a no-op."""
    for backfill in app_database.pending_backfills():
        window_range = backfill_range(backfill)
        if window_range is not None:
            first, last = window_range
            yield RunRequest(
                run_key=f"reconnect-{backfill.connection_id}-{backfill.end.isoformat()}",
                asset_selection=list(landing_assets[backfill.provider]),
                tags={
                    ASSET_PARTITION_RANGE_START_TAG: first,
                    ASSET_PARTITION_RANGE_END_TAG: last,
                    "metricx/reconnected_connection": backfill.connection_id,
                },
            )
        app_database.clear_backfill(backfill)


def build_reconnect_backfill_sensor(
    ingest_job: UnresolvedAssetJobDefinition, landing_assets: Mapping[str, Sequence[AssetKey]]
) -> SensorDefinition:
    """`landing_assets`: each provider's landing asset keys (its integration's group)."""

    @sensor(
        name=SENSOR_NAME,
        job=ingest_job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Land again the windows a connection missed while it needed a reconnect, "
        "once its merchant has reconnected.",
    )
    def backfill_reconnected_connections(
        context: SensorEvaluationContext, app_database: AppDatabaseResource
    ) -> Iterator[RunRequest]:
        yield from backfill_run_requests(app_database, landing_assets)

    return backfill_reconnected_connections
