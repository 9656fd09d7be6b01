"""Structured logs: our modules' records and a Dagster run's records come out as one parseable
JSON object per line, with the context a log collector filters on.

No `from __future__ import annotations` here: Dagster reads the asset's context annotation.
"""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from dagster import (
    AssetExecutionContext,
    DailyPartitionsDefinition,
    Definitions,
    asset,
    build_schedule_context,
    define_asset_job,
    get_dagster_logger,
)
from dagster._core.system_config.objects import ResolvedRunConfig

from metricx.logs import configure_logging, log_context
from metricx.settings import get_settings
from orchestration.jobs import INGEST_JOB_NAME, WAREHOUSE_JOB_NAME
from orchestration.lib.loggers import RUN_LOGGER_CONFIG, RUN_LOGGERS, metricx_console_logger


@pytest.fixture(autouse=True)
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.delenv("METRICX_LOG_FORMAT", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(text: str) -> list[dict[str, str]]:
    """Every line must be a JSON object: a collector drops whatever is not."""
    return [json.loads(line) for line in text.splitlines() if line]


def test_a_record_is_one_json_line_with_its_context(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json")
    connector_log = logging.getLogger("orchestration.connectors.meta_ads")
    with log_context(partition="2026-11-20-09:45"), log_context(connection="conn-1"):
        connector_log.warning("rate limited, retrying in %s s", 30)
    connector_log.info("outside the block")
    try:
        raise ValueError("bad page")
    except ValueError:
        connector_log.exception("page failed")

    first, second, failed = json_lines(capsys.readouterr().err)
    assert first["level"] == "WARNING"
    assert first["logger"] == "orchestration.connectors.meta_ads"
    assert first["message"] == "rate limited, retrying in 30 s"
    assert first["partition"] == "2026-11-20-09:45"
    assert first["connection"] == "conn-1"
    logged_at = datetime.fromisoformat(first["timestamp"])
    assert logged_at.utcoffset() == timedelta(0)
    assert "connection" not in second
    assert failed["level"] == "ERROR"
    assert "ValueError: bad page" in failed["exception"]


def test_configuring_twice_switches_format_instead_of_printing_twice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("json")
    configure_logging("text")
    logging.getLogger("stack.demo").warning("seeded %d merchants", 2)
    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith("WARNING stack.demo: seeded 2 merchants")


def test_the_code_location_jobs_and_schedules_log_through_the_metricx_logger(
    defs: Definitions,
) -> None:
    """Dagster initializes a job's loggers only when the run's config names them."""
    for job_name in (INGEST_JOB_NAME, WAREHOUSE_JOB_NAME):
        assert defs.resolve_job_def(job_name).loggers["console"] is metricx_console_logger
    tick = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)
    for schedule in defs.schedules:
        job = defs.resolve_job_def(schedule.job_name)
        context = build_schedule_context(
            repository_def=defs.get_repository_def(), scheduled_execution_time=tick
        )
        [request] = schedule.evaluate_tick(context).run_requests
        # What the daemon launches: the request's run config, else the partition's.
        run_config = request.run_config or job.partitioned_config.get_run_config_for_partition_key(
            request.partition_key
        )
        assert ResolvedRunConfig.build(job, run_config).loggers == {
            "console": {"config": {"log_level": "INFO"}}
        }, schedule.name


def test_a_run_logs_json_lines_with_run_partition_and_connection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @asset(partitions_def=DailyPartitionsDefinition(start_date="2026-11-01"))
    def landed(context: AssetExecutionContext) -> None:
        context.log.error("sync failed for conn-2", extra={"connection": "conn-2"})
        logging.getLogger("warehouse.connection").info("replaced 3 slices")
        get_dagster_logger().info("dbt build finished")

    job = Definitions(
        assets=[landed],
        jobs=[define_asset_job("land", [landed], config=RUN_LOGGER_CONFIG)],
        loggers=RUN_LOGGERS,
    ).resolve_job_def("land")
    result = job.execute_in_process(
        partition_key="2026-11-20",
        run_config={"loggers": {"console": {"config": {"log_level": "DEBUG"}}}},
    )
    assert result.success

    lines = json_lines(capsys.readouterr().err)
    [failure] = [line for line in lines if line["message"] == "sync failed for conn-2"]
    assert failure["level"] == "ERROR"
    assert failure["run_id"] == result.run_id
    assert failure["job"] == "land"
    assert failure["step"] == "landed"
    assert failure["partition"] == "2026-11-20"
    assert failure["connection"] == "conn-2"
    # At DEBUG, Dagster's own events (step start, success...) are lines too, named by type.
    assert {"STEP_START", "STEP_SUCCESS"} <= {line.get("event") for line in lines}
    # Our modules' records inside the run reach the same stream.
    [replaced] = [line for line in lines if line["logger"] == "warehouse.connection"]
    assert replaced["message"] == "replaced 3 slices"
    # Dagster's own Python logger (dagster-dbt's) comes once, with the run's context.
    [dbt] = [line for line in lines if line["message"] == "dbt build finished"]
    assert dbt["run_id"] == result.run_id
