"""The demo merchants' landed history, shared by the benchmarks that build on one.

Landing 90 days through the ingest job costs minutes, so it happens once per backend and process
(one ranged run, as a backfill does) into a template warehouse; each benchmark then works on a
copy trimmed to the days it wants. Trimming deletes the slices of older windows from every raw
table, which leaves exactly what landing only the later windows would have: every slice is a
function of its window and the world's clock, and entities land in the range's last window.

The storefronts' pixel traffic is not replayed into the history: the intake costs ~8 s per day of
traffic (~12 minutes for 90 days), so the attribution marts are built over an empty pixel table.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from dagster import DagsterInstance, Definitions
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from psycopg import sql

from bench.environments import POSTGRES_ADMIN_URL, bench_settings, step_seconds
from bench.report import emit
from metricx.settings import Settings
from orchestration.definitions import INGEST_JOB_NAME, build_definitions
from orchestration.defs.app_database.assets import read_workspaces, replace_workspaces
from orchestration.defs.dbt.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from orchestration.lib.windows import PLATFORM_LAG, WINDOW
from orchestration.partitions import DAY_KEY_FORMAT
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import DemoRange, seed_demo_workspaces
from warehouse.connection import open_warehouse
from warehouse.raw_tables import RAW_SCHEMA, RAW_TABLES
from warehouse.url import parse_warehouse_url

DAYS = int(os.environ.get("METRICX_BENCH_HISTORY_DAYS", "92"))
MERCHANTS = 2
# Tables holding one slice per source × connection × window, all keyed by window_start.
SLICED_TABLES = (
    *(table.name for table in RAW_TABLES),
    "landing_log",
    "quarantine",
    "capture_log",
)


class WorldClock:
    """The simulated platforms' "now", moved by the benchmark as windows close."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class LandedHistory:
    backend: str
    range: DemoRange
    clock: WorldClock
    template: Settings
    world: World

    @property
    def end(self) -> datetime:
        return self.range.end


_histories: dict[str, LandedHistory] = {}
_kept = ExitStack()


@contextmanager
def kept_for_the_run() -> Iterator[None]:
    """Keep the landed histories (and their simulators) until the block ends, then drop them."""
    with _kept:
        yield
    _histories.clear()


def landed_history(backend: str) -> LandedHistory:
    """DAYS of 15-minute windows ending an hour or two before now, landed on `backend`.

    The end is on the hour and in the past, so the windows after it can be landed as they close:
    the models' clock (compaction ages rows against it) then agrees with the data.
    """
    if backend in _histories:
        return _histories[backend]
    now = datetime.now(UTC)
    end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    history_range = DemoRange(end - timedelta(days=DAYS), end)
    clock = WorldClock(end)
    world = World(merchants=MERCHANTS, clock=clock)
    simulator = _kept.enter_context(SimulatorServer(world))
    template = _kept.enter_context(bench_settings(backend, simulator.base_url))
    seed_demo_workspaces(template, world)
    definitions = build_definitions(template)
    started = time.perf_counter()
    ingest_work = land_windows(definitions, history_range)
    total = time.perf_counter() - started
    with _warehouse(template) as warehouse:
        replace_workspaces(warehouse, read_workspaces(template.app_database_url))
        _stamp_as_landed_on_schedule(warehouse)
    parameters = {"merchants": MERCHANTS, "days": DAYS, "windows": history_range.windows}
    emit("history.ingest_total", total, "s", backend=backend, **parameters)
    emit("history.ingest_work", ingest_work, "s", backend=backend, **parameters)
    history = LandedHistory(backend, history_range, clock, template, world)
    _histories[backend] = history
    return history


def _stamp_as_landed_on_schedule(warehouse: Any) -> None:
    """Stamp every history slice with the time the schedule would have landed it.

    One ranged run lands the whole history within minutes, all stamped with that run's clock,
    and incremental models re-read whatever landed within their margin (an hour) before their
    newest landing: left so, every measured window would rebuild the whole history, which is the
    hour after a backfill, not the steady state this benchmark is about.
    """
    with warehouse.transaction():
        for table in RAW_TABLES:
            warehouse.execute(
                f"UPDATE {table.qualified_name} SET landed_at = window_end + :lag",
                {"lag": PLATFORM_LAG},
            )
        warehouse.execute(
            f"UPDATE {RAW_SCHEMA}.landing_log SET landed_at = window_end + :lag",
            {"lag": PLATFORM_LAG},
        )
        # The capture log keeps no window end: windows are WINDOW long.
        warehouse.execute(
            f"UPDATE {RAW_SCHEMA}.capture_log SET landed_at = window_start + :lag",
            {"lag": WINDOW + PLATFORM_LAG},
        )


def land_windows(definitions: Definitions, windows: DemoRange) -> float:
    """Land `windows` in one run of the ingest job; returns the steps' own compute time."""
    with DagsterInstance.ephemeral() as instance:
        result = definitions.resolve_job_def(INGEST_JOB_NAME).execute_in_process(
            instance=instance,
            tags={
                ASSET_PARTITION_RANGE_START_TAG: windows.first_partition_key,
                ASSET_PARTITION_RANGE_END_TAG: windows.last_partition_key,
            },
            raise_on_error=False,
        )
    if not result.success:
        raise RuntimeError(f"landing {windows} failed")
    return step_seconds(result)


@contextmanager
def warehouse_copy(history: LandedHistory, days: int) -> Iterator[Settings]:
    """Settings on a copy of the history's warehouse and app database holding its last `days`."""
    if days > DAYS:
        raise ValueError(
            f"the history holds {DAYS} days, not {days}: raise METRICX_BENCH_HISTORY_DAYS"
        )
    template = parse_warehouse_url(history.template.warehouse_url)
    with tempfile.TemporaryDirectory(prefix="metricx-bench-copy-") as folder:
        app_database = Path(folder) / "app.db"
        shutil.copyfile(history.template.app_database_url.removeprefix("sqlite:///"), app_database)
        database = None
        if template.backend == "duckdb":
            warehouse_path = Path(folder) / "warehouse.duckdb"
            shutil.copyfile(template.duckdb_path, warehouse_path)
            warehouse_url = f"duckdb:///{warehouse_path}"
        else:
            database = f"metricx_bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(database),
                        sql.Identifier(template.postgres_parts["dbname"]),
                    )
                )
            warehouse_url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{database}"
        try:
            settings = history.template.model_copy(
                update={
                    "warehouse_url": warehouse_url,
                    "app_database_url": f"sqlite:///{app_database}",
                }
            )
            with _warehouse(settings) as warehouse, warehouse.transaction():
                for table in SLICED_TABLES:
                    warehouse.execute(
                        f"DELETE FROM {RAW_SCHEMA}.{table} WHERE window_start < :first",
                        {"first": history.end - timedelta(days=days)},
                    )
            yield settings
        finally:
            if database is not None:
                with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                    admin.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(database)
                        )
                    )


@contextmanager
def _warehouse(settings: Settings) -> Iterator[Any]:
    warehouse = open_warehouse(settings.warehouse_url)
    try:
        yield warehouse
    finally:
        warehouse.close()


def day_vars(first: datetime, last: datetime) -> dict[str, str]:
    """The vars the build_warehouse job passes dbt for the UTC days from `first`'s to `last`'s."""
    start = datetime.strptime(first.strftime(DAY_KEY_FORMAT), DAY_KEY_FORMAT).replace(tzinfo=UTC)
    end = datetime.strptime(last.strftime(DAY_KEY_FORMAT), DAY_KEY_FORMAT).replace(tzinfo=UTC)
    return {
        "window_start": start.isoformat(),
        "window_end": (end + timedelta(days=1)).isoformat(),
    }


class DbtCommands:
    """dbt against one benchmark warehouse, with its own target folder: the project's shared
    `target/` stays untouched, and builds after the first parse partially, as Dagster's do."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self._env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(folder),
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            **parse_warehouse_url(settings.warehouse_url).dbt_env(),
        }
        self._folder = folder
        self.run("parse")

    def run(self, *args: str, dbt_vars: dict[str, str] | None = None) -> float:
        """Run one dbt command; returns its wall-clock seconds, or raises with dbt's output."""
        command = [DBT_EXECUTABLE, *args, "--target-path", str(self._folder / "target")]
        command += ["--log-path", str(self._folder / "logs")]
        if dbt_vars:
            command += ["--vars", json.dumps(dbt_vars)]
        started = time.perf_counter()
        completed = subprocess.run(
            command, cwd=DBT_PROJECT_DIR, env=self._env, capture_output=True, text=True, check=False
        )
        seconds = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:2])} failed:\n{completed.stdout[-4000:]}")
        return seconds

    def seconds_by_node_type(self) -> dict[str, float]:
        """The last command's execution time per node type (model, test, unit_test, seed), from
        its run_results.json: the work, without dbt's start-up and parse."""
        seconds: dict[str, float] = {}
        for unique_id, execution_time in self._node_seconds().items():
            node_type = unique_id.split(".", 1)[0]
            seconds[node_type] = seconds.get(node_type, 0.0) + execution_time
        return seconds

    def slowest_nodes(self, count: int = 5) -> dict[str, float]:
        """The last command's `count` slowest nodes (model.metricx.name → seconds)."""
        ranked = sorted(self._node_seconds().items(), key=lambda item: item[1], reverse=True)
        return {unique_id: round(seconds, 2) for unique_id, seconds in ranked[:count]}

    def _node_seconds(self) -> dict[str, float]:
        results = json.loads((self._folder / "target" / "run_results.json").read_text())
        return {result["unique_id"]: result["execution_time"] for result in results["results"]}


def window_after(history: LandedHistory, index: int) -> DemoRange:
    """The `index`-th 15-minute window after the history (0 is the first)."""
    start = history.end + index * WINDOW
    return DemoRange(start, start + WINDOW)
