"""A backfill of the demo merchants over N days: one ingestion run for every 15-minute window,
one dbt run for the days. Dagster's bookkeeping (run and event storage, planning) is reported
apart from the work (the steps' own compute time)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance

from bench.environments import bench_settings, step_seconds
from bench.report import emit
from metricx.demo import DemoRange, run_pipeline, seed_demo_workspaces
from orchestration.definitions import build_definitions
from simulator.server import SimulatorServer
from simulator.world import World

END = datetime(2026, 11, 20, tzinfo=UTC)
DAYS = int(os.environ.get("METRICX_BENCH_BACKFILL_DAYS", "90"))


def run(backend: str, merchants: int = 2) -> None:
    world = World(merchants=merchants, clock=lambda: END)
    backfill = DemoRange(END - timedelta(days=DAYS), END)
    with (
        SimulatorServer(world) as simulator,
        bench_settings(backend, simulator.base_url) as settings,
    ):
        seed_demo_workspaces(settings, world)
        definitions = build_definitions(settings)
        with DagsterInstance.ephemeral() as instance:
            started = time.perf_counter()
            result = run_pipeline(definitions, instance, backfill)
            total = time.perf_counter() - started
        if not result.success:
            raise RuntimeError("the backfill failed")
        ingest_work = step_seconds(result.ingest)
        build_work = step_seconds(result.warehouse)
        parameters = {"merchants": merchants, "days": DAYS, "windows": backfill.windows}
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
