"""The landing checks, run by Dagster beside a real Meta landing on DuckDB: a healthy run passes
them, a merchant whose token expired turns `every_active_connection_landed` red, and a quarantined
row makes `rows_per_connection` warn."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    DagsterInstance,
    materialize,
)

from metricx.settings import Settings
from orchestration.definitions import build_resources
from orchestration.defs.meta_ads.definitions import build_defs as build_meta_ads_defs
from orchestration.lib.resources import AppDatabaseResource
from orchestration.partitions import window_key
from simulator.meta_ads.faults import RowDefect
from simulator.server import SimulatorServer
from simulator.world import World
from stack.demo import seed_demo_workspaces
from tests.helpers import make_settings

# Off the hour, so the run does not restate and the checks see exactly the run's window.
WINDOW_START = datetime(2026, 8, 10, 15, 15, tzinfo=UTC)
NOW = WINDOW_START + timedelta(minutes=18)
TABLES = ("meta_ads_insights_hourly", "meta_ads_entities")


@pytest.fixture(scope="module")
def world() -> World:
    return World(merchants=2, ads_per_merchant=4, clock=lambda: NOW)


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, world: World, server: SimulatorServer) -> Iterator[Settings]:
    settings = make_settings(
        warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
        simulator_url=server.base_url,
    )
    seed_demo_workspaces(settings, world)
    yield settings
    world.faults.clear()


def run_checks(settings: Settings) -> dict[tuple[str, str], AssetCheckEvaluation]:
    """Land the window with both Meta assets and their checks; every check's evaluation by
    (table, check name)."""
    resources = build_resources(settings)
    meta_ads = build_meta_ads_defs(settings)
    assert isinstance(meta_ads.assets, list) and isinstance(meta_ads.asset_checks, list)
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [*meta_ads.assets, *meta_ads.asset_checks],
            partition_key=window_key(WINDOW_START),
            resources={
                name: resources[name] for name in ("warehouse", "app_database", "meta_ads_api")
            },
            instance=instance,
            raise_on_error=False,
        )
    evaluations = result.get_asset_check_evaluations()
    return {
        (evaluation.asset_key.path[-1], evaluation.check_name): evaluation
        for evaluation in evaluations
    }


def test_a_healthy_run_passes_every_check(settings: Settings) -> None:
    evaluations = run_checks(settings)
    expected = {
        (table, name)
        for table in TABLES
        for name in (
            "every_active_connection_landed",
            "rows_per_connection",
            "no_duplicate_rows",
            "no_negative_amounts",
        )
    }
    assert expected <= set(evaluations)
    assert all(evaluation.passed for evaluation in evaluations.values())


def test_an_expired_token_turns_every_active_connection_landed_red(
    settings: Settings, world: World
) -> None:
    expired = world.merchants[0]
    [connection_id] = [
        target.connection_id
        for target in AppDatabaseResource(
            url=settings.app_database_url, secret_key=settings.secret_key
        ).sync_targets("meta_ads")
        if target.external_account_id == expired.meta_account_id
    ]
    world.faults.expire_meta_token(expired.meta_account_id)
    evaluations = run_checks(settings)
    for table in TABLES:
        landed = evaluations[(table, "every_active_connection_landed")]
        assert not landed.passed
        assert landed.metadata["incomplete_connections"].value == [connection_id]


def test_a_quarantined_row_makes_rows_per_connection_warn(settings: Settings, world: World) -> None:
    world.faults.malform_meta_rows(1, RowDefect.NON_NUMERIC_SPEND)
    evaluations = run_checks(settings)
    rows = evaluations[("meta_ads_insights_hourly", "rows_per_connection")]
    assert not rows.passed
    assert rows.severity == AssetCheckSeverity.WARN
    assert rows.metadata["rows_quarantined"].value == 1
