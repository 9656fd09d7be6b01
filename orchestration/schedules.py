"""When the pipeline runs on its own: the latest window every 15 minutes, Meta's long
restatement and a settling build of yesterday once a day. The models follow the landings by
automation (see dbt_translator)."""

from datetime import datetime, timedelta

from dagster import (
    AssetKey,
    JobDefinition,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from orchestration.lib.loggers import RUN_LOGGER_CONFIG
from orchestration.lib.windows import PLATFORM_LAG, WINDOW
from orchestration.partitions import WINDOW_KEY_FORMAT

LATEST_WINDOW_CRON = "2,17,32,47 * * * *"
# Meta attributes purchases up to 28 days after the click (its default attribution window).
META_RESTATEMENT_CRON = "30 3 * * *"
META_RESTATEMENT_DAYS = 28
# After the day's last window (23:45, landed at 00:02) and the build it triggered; long before
# Meta's restatement, whose landing triggers a build of its own.
WAREHOUSE_DAILY_CRON = "30 0 * * *"
DAY_KEY_FORMAT = "%Y-%m-%d"


def latest_complete_window_key(at: datetime) -> str:
    """The partition key of the last 15-minute window that ended at least PLATFORM_LAG ago."""
    boundary = at - PLATFORM_LAG
    boundary = boundary.replace(
        minute=boundary.minute - boundary.minute % 15, second=0, microsecond=0
    )
    return (boundary - WINDOW).strftime(WINDOW_KEY_FORMAT)


def build_schedules(
    ingest_job: JobDefinition, warehouse_job: JobDefinition, meta_insights_key: AssetKey
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
        name="meta_restatement",
        cron_schedule=META_RESTATEMENT_CRON,
        execution_timezone="UTC",
        job=ingest_job,
        description=f"Re-land the last {META_RESTATEMENT_DAYS} days of Meta insights, which "
        "keep gaining late-attributed purchases.",
    )
    def meta_restatement(context: ScheduleEvaluationContext) -> RunRequest:
        key = latest_complete_window_key(context.scheduled_execution_time)
        return RunRequest(
            run_key=f"meta-restatement-{key}",
            partition_key=key,
            asset_selection=[meta_insights_key],
            # Run config of a request replaces the job's, logger choice included.
            run_config={
                **RUN_LOGGER_CONFIG,
                "ops": {
                    meta_insights_key.to_python_identifier(): {
                        "config": {
                            "restatement_days": META_RESTATEMENT_DAYS,
                            "restatement_every_minutes": 15,
                        }
                    }
                },
            },
        )

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

    return [ingest_latest_window, meta_restatement, warehouse_daily]
