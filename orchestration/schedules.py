"""When the pipeline runs on its own, across integrations: the latest window every 15 minutes and
a settling build of yesterday once a day. The models follow the landings by automation (see
dbt_translator); an integration's own schedules live in its folder (the ad platforms'
restatements)."""

from __future__ import annotations

from datetime import timedelta

from dagster import (
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from orchestration.partitions import DAY_KEY_FORMAT, latest_complete_window_key

LATEST_WINDOW_CRON = "2,17,32,47 * * * *"
# After the day's last window (23:45, landed at 00:02) and the build it triggered; long before
# the ad platforms' restatements, whose landings trigger builds of their own.
WAREHOUSE_DAILY_CRON = "30 0 * * *"


def build_schedules(
    ingest_job: UnresolvedAssetJobDefinition, warehouse_job: UnresolvedAssetJobDefinition
) -> list[ScheduleDefinition]:
    @schedule(
        name="ingest_latest_window",
        cron_schedule=LATEST_WINDOW_CRON,
        execution_timezone="UTC",
        job=ingest_job,
        description="Land every source's latest complete 15-minute window.",
    )
    def ingest_latest_window(context: ScheduleEvaluationContext) -> RunRequest:
        # One run per tick, for that tick's window only: a schedule switched off and on again
        # does not replay the windows it missed, and a daemon that was down replays at most
        # `max_catchup_runs` ticks (deploy/dagster.yaml); backfill older windows from the UI.
        key = latest_complete_window_key(context.scheduled_execution_time)
        return RunRequest(run_key=key, partition_key=key)

    @schedule(
        name="warehouse_daily",
        cron_schedule=WAREHOUSE_DAILY_CRON,
        execution_timezone="UTC",
        job=warehouse_job,
        description="Build the models for yesterday once its last window has landed: "
        "compacts the metric snapshots even on a day nothing landed, and settles yesterday's "
        "partition and attribution.",
    )
    def warehouse_daily(context: ScheduleEvaluationContext) -> RunRequest:
        # Automation builds only today's partition, and only after a landing. Yesterday's
        # partition keeps its last build before midnight, though its closing windows landed
        # after it (today's incremental builds took their rows). Snapshot compaction ages rows
        # by the build's clock, so without landings (automation or ingestion paused, every
        # connection paused) nothing would compact; attribution, rebuilt whole by every build,
        # gets one pass over yesterday with all its orders and sessions landed.
        day = (context.scheduled_execution_time - timedelta(days=1)).strftime(DAY_KEY_FORMAT)
        return RunRequest(run_key=f"warehouse-daily-{day}", partition_key=day)

    return [ingest_latest_window, warehouse_daily]
