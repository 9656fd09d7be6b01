"""Run failures reported to Sentry, when a DSN is configured."""

from __future__ import annotations

from functools import cache

import sentry_sdk
from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    run_failure_sensor,
)
from dagster._core.storage.tags import PARTITION_NAME_TAG


@cache
def _init_sentry(dsn: str) -> None:
    # Once per process and DSN, when the sensor first runs: loading the code location (the
    # webserver, every run worker) must not start Sentry's client and its threads. No personal
    # data is sent: the SDK's default.
    sentry_sdk.init(dsn=dsn)


def build_sentry_failure_sensor(dsn: str) -> SensorDefinition:
    @run_failure_sensor(
        name="report_run_failures_to_sentry",
        default_status=DefaultSensorStatus.RUNNING,
        monitor_all_code_locations=False,
    )
    def report_run_failures_to_sentry(context: RunFailureSensorContext) -> None:
        _init_sentry(dsn)
        run = context.dagster_run
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("dagster.job", run.job_name)
            scope.set_tag("dagster.run_id", run.run_id)
            scope.set_tag("dagster.partition", run.tags.get(PARTITION_NAME_TAG, ""))
            scope.set_context("dagster", {"tags": dict(run.tags)})
            sentry_sdk.capture_message(
                f"Dagster run {run.run_id} of {run.job_name} failed: "
                f"{context.failure_event.message}",
                level="error",
            )
        sentry_sdk.flush(timeout=5)

    return report_run_failures_to_sentry
