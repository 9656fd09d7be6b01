"""Meta's own schedule: re-landing the attribution window's days, whose purchases keep coming."""

from __future__ import annotations

from dagster import AssetKey, RunRequest, ScheduleDefinition, ScheduleEvaluationContext, schedule

from orchestration.jobs import INGEST_JOB_NAME
from orchestration.lib.loggers import RUN_LOGGER_CONFIG
from orchestration.partitions import latest_complete_window_key

META_RESTATEMENT_CRON = "30 3 * * *"
# Meta attributes purchases up to 28 days after the click (its default attribution window).
META_RESTATEMENT_DAYS = 28


def build_meta_restatement(insights_key: AssetKey) -> ScheduleDefinition:
    @schedule(
        name="meta_restatement",
        cron_schedule=META_RESTATEMENT_CRON,
        execution_timezone="UTC",
        job_name=INGEST_JOB_NAME,
        description=f"Re-land the last {META_RESTATEMENT_DAYS} days of Meta insights, which "
        "keep gaining late-attributed purchases.",
    )
    def meta_restatement(context: ScheduleEvaluationContext) -> RunRequest:
        key = latest_complete_window_key(context.scheduled_execution_time)
        return RunRequest(
            run_key=f"meta-restatement-{key}",
            partition_key=key,
            asset_selection=[insights_key],
            # Run config of a request replaces the job's, logger choice included.
            run_config={
                **RUN_LOGGER_CONFIG,
                "ops": {
                    insights_key.to_python_identifier(): {
                        "config": {
                            "restatement_days": META_RESTATEMENT_DAYS,
                            "restatement_every_minutes": 15,
                        }
                    }
                },
            },
        )

    return meta_restatement
