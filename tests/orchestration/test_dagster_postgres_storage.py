"""The shipped dagster.yaml keeps Dagster's runs and events in PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from dagster import AssetKey, DagsterInstance, PartitionKeyRange, materialize
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from metricx.settings import PROJECT_ROOT
from orchestration.definitions import build_resources
from orchestration.defs.meta_ads.assets import meta_ads_insights_hourly
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import DemoRange, seed_demo_workspaces
from tests.helpers import RUN_RANGE, make_settings

DAGSTER_YAML = PROJECT_ROOT / "orchestration" / "deploy" / "dagster.yaml"


def test_materialization_is_recorded_in_postgres(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    create_postgres_database: Callable[[str], str],
    world: World,
    simulator: SimulatorServer,
) -> None:
    dagster_url = create_postgres_database("dagster")
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(DAGSTER_YAML, dagster_home / "dagster.yaml")
    monkeypatch.setenv(
        "DAGSTER_POSTGRES_URL", dagster_url.replace("postgresql://", "postgresql+psycopg2://")
    )
    settings = make_settings(
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
        simulator_url=simulator.base_url,
    )
    seed_demo_workspaces(settings, world)

    # Two hours in one ranged run, as a backfill runs: its per-window materializations are
    # stored in batches (orchestration turns Dagster's event batching on), every one of them.
    backfill = DemoRange(RUN_RANGE.end - timedelta(hours=2), RUN_RANGE.end)
    insights = meta_ads_insights_hourly(settings.partitions_start)
    assert insights.partitions_def is not None
    windows = insights.partitions_def.get_partition_keys_in_range(
        PartitionKeyRange(backfill.first_partition_key, backfill.last_partition_key)
    )
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        result = materialize(
            [insights],
            partition_key=windows[-1],
            resources=build_resources(settings),
            instance=instance,
        )
        assert result.success
        ranged = materialize(
            [insights],
            tags={
                ASSET_PARTITION_RANGE_START_TAG: windows[0],
                ASSET_PARTITION_RANGE_END_TAG: windows[-1],
            },
            resources=build_resources(settings),
            instance=instance,
        )
        assert ranged.success
        materialized = instance.get_materialized_partitions(
            AssetKey(["raw", "meta_ads_insights_hourly"])
        )

    with psycopg.connect(dagster_url) as dagster_db:
        runs = dagster_db.execute("SELECT status FROM runs").fetchall()
        materializations = dagster_db.execute(
            "SELECT partition, count(*) FROM event_logs "
            "WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
            'AND asset_key = \'["raw", "meta_ads_insights_hourly"]\' GROUP BY partition'
        ).fetchall()
    assert runs == [("SUCCESS",), ("SUCCESS",)]
    assert dict(materializations) == {key: 2 if key == windows[-1] else 1 for key in windows}
    assert materialized == set(windows)
