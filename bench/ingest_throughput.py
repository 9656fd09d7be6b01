"""Landing throughput of one 15-minute window: Meta ad insights for 100 merchants × 200 ads."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from dagster import DagsterInstance, materialize

from bench.environments import bench_settings
from bench.report import emit
from orchestration.definitions import build_resources
from orchestration.defs.meta_ads.assets import meta_ads_insights_hourly
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import seed_demo_workspaces

MERCHANTS = 100
ADS_PER_MERCHANT = 200
# A fixed, late-afternoon "now": each capture holds the account-local day so far, so the hour
# sets the volume. The window is not on the hour, so no restatement rides along.
NOW = datetime(2026, 11, 20, 18, 20, tzinfo=UTC)
WINDOW_KEY = "2026-11-20-18:00"


def run(backend: str) -> None:
    world = World(merchants=MERCHANTS, ads_per_merchant=ADS_PER_MERCHANT, clock=lambda: NOW)
    with (
        SimulatorServer(world) as simulator,
        bench_settings(backend, simulator.base_url) as settings,
    ):
        seed_demo_workspaces(settings, world)
        asset = meta_ads_insights_hourly(settings.partitions_start)
        with DagsterInstance.ephemeral() as instance:
            started = time.perf_counter()
            result = materialize(
                [asset],
                partition_key=WINDOW_KEY,
                resources=build_resources(settings),
                instance=instance,
            )
            seconds = time.perf_counter() - started
        if not result.success:
            raise RuntimeError("the Meta landing failed")
        metadata = result.asset_materializations_for_node(asset.node_def.name)[0].metadata
        rows = metadata["rows_landed"].value
        if not isinstance(rows, int):
            raise TypeError(f"rows_landed should be a count, is {rows!r}")
        parameters = {"merchants": MERCHANTS, "ads_per_merchant": ADS_PER_MERCHANT, "rows": rows}
        emit(
            "ingest.meta_window_rows_per_second",
            rows / seconds,
            "rows/s",
            backend=backend,
            **parameters,
        )
        emit("ingest.meta_window_seconds", seconds, "s", backend=backend, **parameters)
