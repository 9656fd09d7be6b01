"""A backfill of the demo merchants over N days: one ingestion run for every 15-minute window,
one dbt run for the days. Dagster's bookkeeping (run and event storage, planning) is reported
apart from the work (the steps' own compute time).

Each backend runs in its production topology: on PostgreSQL, Dagster's own storage is the
shipped dagster-postgres configuration too, so its bookkeeping is measured where it would live.
Most of Dagster's default bookkeeping is the run's "materialization planned" events, one per
window and asset; metricx writes one per asset (orchestration/__init__.py, README). Run with
DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=0 to measure the default; the figures say which
(`planned_events`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from dagster import DagsterInstance
from psycopg import sql

from bench.environments import POSTGRES_ADMIN_URL, bench_settings, step_seconds
from bench.report import emit
from metricx.settings import PROJECT_ROOT
from orchestration.definitions import build_definitions
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import DemoRange, run_pipeline, seed_demo_workspaces

END = datetime(2026, 11, 20, tzinfo=UTC)
DAYS = int(os.environ.get("METRICX_BENCH_BACKFILL_DAYS", "90"))
DAGSTER_POSTGRES_YAML = PROJECT_ROOT / "orchestration" / "deploy" / "dagster.yaml"


@contextmanager
def dagster_instance(backend: str) -> Iterator[DagsterInstance]:
    """An in-memory instance beside DuckDB; beside PostgreSQL, the shipped dagster-postgres one
    on a throwaway database."""
    if backend == "duckdb":
        with DagsterInstance.ephemeral() as instance:
            yield instance
        return
    database = f"metricx_bench_dagster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{database}"
    previous = os.environ.get("DAGSTER_POSTGRES_URL")
    os.environ["DAGSTER_POSTGRES_URL"] = url.replace("postgresql://", "postgresql+psycopg2://")
    try:
        with tempfile.TemporaryDirectory(prefix="metricx-bench-dagster-") as home:
            shutil.copy(DAGSTER_POSTGRES_YAML, Path(home) / "dagster.yaml")
            with DagsterInstance.from_config(home) as instance:
                yield instance
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_POSTGRES_URL")
        else:
            os.environ["DAGSTER_POSTGRES_URL"] = previous
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )


def run(backend: str, merchants: int = 2) -> None:
    world = World(merchants=merchants, clock=lambda: END)
    backfill = DemoRange(END - timedelta(days=DAYS), END)
    with (
        SimulatorServer(world) as simulator,
        bench_settings(backend, simulator.base_url) as settings,
    ):
        seed_demo_workspaces(settings, world)
        definitions = build_definitions(settings)
        with dagster_instance(backend) as instance:
            started = time.perf_counter()
            result = run_pipeline(definitions, instance, backfill)
            total = time.perf_counter() - started
            storage = instance.event_log_storage
            planned_per_run = (
                storage.supports_partition_subset_in_asset_materialization_planned_events
            )
        if not result.success:
            raise RuntimeError("the backfill failed")
        ingest_work = step_seconds(result.ingest)
        build_work = step_seconds(result.warehouse)
        parameters = {
            "merchants": merchants,
            "days": DAYS,
            "windows": backfill.windows,
            "planned_events": "per_run" if planned_per_run else "per_window",
        }
        emit("backfill.total", total, "s", backend=backend, **parameters)
        emit("backfill.ingest_work", ingest_work, "s", backend=backend, **parameters)
        emit("backfill.dbt_work", build_work, "s", backend=backend, **parameters)
        emit(
            "backfill.dagster_bookkeeping",
            total - ingest_work - build_work,
            "s",
            backend=backend,
            **parameters,
        )
