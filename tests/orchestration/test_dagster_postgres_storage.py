"""The shipped dagster.yaml keeps Dagster's runs and events in PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterInstance, materialize

from metricx.demo import seed_demo_workspaces
from metricx.settings import PROJECT_ROOT
from orchestration.definitions import build_resources
from orchestration.defs.meta_ads.assets import meta_ads_insights_hourly
from simulator.server import SimulatorServer
from simulator.world import World
from tests.helpers import make_settings

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

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        result = materialize(
            [meta_ads_insights_hourly],
            partition_key="2026-11-20-07:45",
            resources=build_resources(settings),
            instance=instance,
        )
        assert result.success

    with psycopg.connect(dagster_url) as dagster_db:
        runs = dagster_db.execute("SELECT status FROM runs").fetchall()
        materializations = dagster_db.execute(
            "SELECT asset_key, partition FROM event_logs "
            "WHERE dagster_event_type = 'ASSET_MATERIALIZATION'"
        ).fetchall()
    assert runs == [("SUCCESS",)]
    assert materializations == [('["raw", "meta_ads_insights_hourly"]', "2026-11-20-07:45")]
