"""Ingest + dbt build time of one 15-minute window, end to end through Dagster."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from dagster import DagsterInstance

from bench.environments import bench_settings, step_seconds
from bench.report import emit
from orchestration.definitions import build_definitions
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import DemoRange, recent_range, run_pipeline, seed_demo_workspaces

WINDOWS = 4


def run(backend: str, merchants: int = 2) -> None:
    world = World(merchants=merchants)
    with (
        SimulatorServer(world) as simulator,
        bench_settings(backend, simulator.base_url) as settings,
    ):
        seed_demo_workspaces(settings, world)
        definitions = build_definitions(settings)
        latest = recent_range(0.25)
        totals, ingest, build = [], [], []
        with DagsterInstance.ephemeral() as instance:
            for back in range(WINDOWS, 0, -1):
                offset = timedelta(minutes=15 * back)
                window = DemoRange(latest.start - offset, latest.end - offset)
                started = time.perf_counter()
                result = run_pipeline(definitions, instance, window)
                totals.append(time.perf_counter() - started)
                if not result.success:
                    raise RuntimeError(f"the pipeline failed for {window}")
                ingest.append(step_seconds(result.ingest))
                build.append(step_seconds(result.warehouse))
        parameters = {"merchants": merchants, "windows": WINDOWS}
        emit(
            "thin_slice.window_total", statistics.median(totals), "s", backend=backend, **parameters
        )
        emit(
            "thin_slice.window_ingest",
            statistics.median(ingest),
            "s",
            backend=backend,
            **parameters,
        )
        emit(
            "thin_slice.window_dbt_build",
            statistics.median(build),
            "s",
            backend=backend,
            **parameters,
        )
