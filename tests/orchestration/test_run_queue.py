"""Run limits: both shipped instance files load and carry the queue limits (and open the UI
without its first-visit dialog), and automation switched on after a long pause asks for one
day's build, not one per day missed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dagster import (
    AssetMaterialization,
    DagsterInstance,
    Definitions,
    evaluate_automation_conditions,
    instance_for_test,
)
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.scheduler import DagsterDaemonScheduler

from metricx.settings import PROJECT_ROOT
from orchestration.jobs import INGEST_JOB_NAME
from orchestration.lib.pools import WAREHOUSE_WRITES_POOL
from orchestration.lib.windows import WINDOW
from orchestration.partitions import window_key

DEPLOY = PROJECT_ROOT / "orchestration" / "deploy"
LIMITS = [
    {"key": "dagster/backfill", "limit": 1},
    {"key": "dagster/schedule_name", "value": {"applyLimitPerUniqueValue": True}, "limit": 1},
    {"key": "dagster/from_automation_condition", "limit": 1},
]


def load_instance(tmp_path: Path, instance_yaml: str) -> DagsterInstance:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY / instance_yaml, home / "dagster.yaml")
    return DagsterInstance.from_config(str(home))


def assert_limits(instance: DagsterInstance, max_concurrent_runs: int) -> None:
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    concurrency = instance.get_concurrency_config()
    # What the queue daemon enforces.
    queue = concurrency.run_queue_config
    assert queue is not None
    assert queue.max_concurrent_runs == max_concurrent_runs
    assert queue.tag_concurrency_limits == LIMITS
    # One warehouse writer at a time, on either backend.
    assert concurrency.pool_config.default_pool_limit == 1
    assert isinstance(instance.scheduler, DagsterDaemonScheduler)
    assert instance.scheduler.max_catchup_runs == 4
    assert instance.freshness_enabled
    # No first-visit dialog over the asset groups in the UI.
    assert not instance.nux_enabled


def test_the_duckdb_instance_queues_runs_and_serializes_writers(tmp_path: Path) -> None:
    with load_instance(tmp_path, "dagster.duckdb.yaml") as instance:
        assert_limits(instance, max_concurrent_runs=4)


def test_the_postgres_instance_queues_runs_and_serializes_writers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    create_postgres_database: Callable[[str], str],
) -> None:
    url = create_postgres_database("dagster_queue")
    monkeypatch.setenv(
        "DAGSTER_POSTGRES_URL", url.replace("postgresql://", "postgresql+psycopg2://")
    )
    with load_instance(tmp_path, "dagster.yaml") as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert_limits(instance, max_concurrent_runs=8)


def test_every_asset_writes_through_the_pool(defs: Definitions) -> None:
    """Every asset writes the warehouse (landings, workspace settings, dbt): with the pool's one
    slot, no two of them hold a DuckDB file or race on the same tables at once."""
    graph = defs.resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        assert graph.get(key).pools == {WAREHOUSE_WRITES_POOL}, key


def land_windows(defs: Definitions, instance: DagsterInstance, windows: list[datetime]) -> None:
    for key in defs.resolve_job_def(INGEST_JOB_NAME).asset_layer.executable_asset_keys:
        for window in windows:
            instance.report_runless_asset_event(
                AssetMaterialization(key, partition=window_key(window))
            )


def windows_of_day_until(now: datetime) -> list[datetime]:
    """Every complete window of `now`'s UTC day: the partitions that exist at `now`."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [day + WINDOW * n for n in range((now - day) // WINDOW)]


def test_automation_after_a_long_pause_requests_only_today(defs: Definitions) -> None:
    """Automation ran, was switched off for thirty days while the sources kept landing, then on
    again: the first evaluation builds today's partition alone."""
    before_pause = datetime(2026, 10, 21, 3, 20, tzinfo=UTC)
    after_pause = before_pause + timedelta(days=30)
    graph = defs.resolve_asset_graph()
    models = {key for key in graph.materializable_asset_keys if key.path[0] != "raw"}
    # Built whole before the pause (the workspace settings, the seed, the time spine), and
    # nothing upstream of them changed since.
    unpartitioned = {
        key for key in graph.materializable_asset_keys if graph.get(key).partitions_def is None
    }
    with instance_for_test() as instance:
        for key in unpartitioned:
            instance.report_runless_asset_event(AssetMaterialization(key))
        land_windows(defs, instance, windows_of_day_until(before_pause))
        cursor = evaluate_automation_conditions(defs, instance, evaluation_time=before_pause).cursor

        # Thirty days of landings while automation was off.
        land_windows(
            defs,
            instance,
            [before_pause + timedelta(days=days) for days in range(1, 30)]
            + windows_of_day_until(after_pause),
        )
        result = evaluate_automation_conditions(
            defs, instance, evaluation_time=after_pause, cursor=cursor
        )

    # Every model reading landed windows, for today only: one run (the daemon groups a
    # partition's assets), where a catch-up of every missed day would have asked for thirty.
    assert result.total_requested == len(models - unpartitioned)
    for key in models - unpartitioned:
        assert result.get_requested_partitions(key) == {"2026-11-20"}, key
