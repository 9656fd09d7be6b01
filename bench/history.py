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
from cryptography.fernet import Fernet
from dagster import DagsterInstance, Definitions
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from psycopg import sql

from bench.environments import POSTGRES_ADMIN_URL, step_seconds
from bench.report import emit
from metricx.settings import DATA_DIR, Settings
from orchestration.definitions import INGEST_JOB_NAME, build_definitions
from orchestration.defs.app_database.assets import read_workspaces, replace_workspaces
from orchestration.defs.dbt.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from orchestration.lib.windows import PLATFORM_LAG, WINDOW
from orchestration.partitions import DAY_KEY_FORMAT
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import DemoRange, seed_demo_workspaces
from stack.simulated import simulated_platform_settings
from warehouse.appdb.migrate import upgrade as upgrade_app_database
from warehouse.connection import open_warehouse
from warehouse.raw_tables import RAW_SCHEMA, RAW_TABLES
from warehouse.url import parse_warehouse_url

DAYS = int(os.environ.get("METRICX_BENCH_HISTORY_DAYS", "92"))
# Where landed histories are kept between runs (see HistoryCache); delete it to land afresh.
CACHE_DIR = Path(os.environ.get("METRICX_BENCH_CACHE_DIR", str(DATA_DIR / "bench")))
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

    Landed once per backend × MERCHANTS × DAYS into CACHE_DIR and kept across runs: a later run
    lands only the windows closed since (the world is a pure function of its seed and clock, so
    they are what one ranged run would have landed) and drops the windows older than DAYS.
    """
    if backend in _histories:
        return _histories[backend]
    now = datetime.now(UTC)
    end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    history_range = DemoRange(end - timedelta(days=DAYS), end)
    clock = WorldClock(end)
    world = World(merchants=MERCHANTS, clock=clock)
    simulator = _kept.enter_context(SimulatorServer(world))
    cache = HistoryCache(backend)
    kept_end = cache.landed_until()
    fresh = kept_end is None or kept_end <= history_range.start or kept_end > end
    if fresh:
        cache.create()
    template = cache.settings(simulator.base_url)
    started = time.perf_counter()
    if fresh:
        seed_demo_workspaces(template, world)
    else:
        # A history kept by an earlier checkout has that checkout's app schema.
        upgrade_app_database(template.app_database_url)
    landing = history_range if fresh or kept_end is None else DemoRange(kept_end, end)
    definitions = build_definitions(template)
    ingest_work = land_windows(definitions, landing) if landing.windows else 0.0
    total = time.perf_counter() - started
    with _warehouse(template) as warehouse:
        _drop_windows_before(warehouse, history_range.start)
        replace_workspaces(warehouse, read_workspaces(template.app_database_url))
        _stamp_as_landed_on_schedule(warehouse)
    cache.mark_landed_until(end)
    parameters = {"merchants": MERCHANTS, "days": DAYS, "windows": landing.windows}
    emit("history.ingest_total", total, "s", backend=backend, **parameters)
    emit("history.ingest_work", ingest_work, "s", backend=backend, **parameters)
    history = LandedHistory(backend, history_range, clock, template, world)
    _histories[backend] = history
    return history


class HistoryCache:
    """One backend's landed history kept between runs: its app database, its warehouse (a file,
    or a PostgreSQL database of its own name) and the end of what it holds.

    The end is written last, after a landing succeeded: a run that failed half-way leaves none,
    and the next one lands everything again. One benchmark process at a time per cache.
    """

    def __init__(self, backend: str) -> None:
        self.backend = backend
        key = f"{backend}-{MERCHANTS}m-{DAYS}d"
        self.folder = CACHE_DIR / f"history-{key}"
        self._database = f"metricx_bench_history_{key.replace('-', '_')}"
        self._end_file = self.folder / "landed_until.json"

    def landed_until(self) -> datetime | None:
        if not self._end_file.exists():
            return None
        return datetime.fromisoformat(json.loads(self._end_file.read_text())["end"])

    def mark_landed_until(self, end: datetime) -> None:
        self._end_file.write_text(json.dumps({"end": end.isoformat()}))

    def create(self) -> None:
        """Start the cache afresh: empty folder, new secret, empty warehouse."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        (self.folder / "secret.key").write_text(Fernet.generate_key().decode())
        if self.backend == "postgres":
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                name = sql.Identifier(self._database)
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                admin.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def settings(self, simulator_url: str) -> Settings:
        """Settings on the cached warehouse and app database, the platforms at the simulator."""
        if self.backend == "duckdb":
            warehouse_url = f"duckdb:///{self.folder / 'warehouse.duckdb'}"
        else:
            warehouse_url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{self._database}"
        return Settings(
            warehouse_url=warehouse_url,
            app_database_url=f"sqlite:///{self.folder / 'app.db'}",
            secret_key=(self.folder / "secret.key").read_text(),
            **simulated_platform_settings(simulator_url),
        )


def _drop_windows_before(warehouse: Any, first: datetime) -> None:
    """Delete the slices of windows before `first` from every sliced raw table: what is left
    is exactly what landing only the later windows would have left (see the module's note)."""
    with warehouse.transaction():
        for table in SLICED_TABLES:
            warehouse.execute(
                f"DELETE FROM {RAW_SCHEMA}.{table} WHERE window_start < :first", {"first": first}
            )


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
            with _warehouse(settings) as warehouse:
                _drop_windows_before(warehouse, history.end - timedelta(days=days))
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
