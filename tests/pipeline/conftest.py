"""One pipeline run per backend, shared by the tests that read what it built, and copies of its
warehouse for the tests that land or build on top of it.

dbt costs seconds per invocation whatever the model count, so the runs are session-scoped.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from dagster import DagsterInstance, Definitions

from metricx.settings import Settings
from orchestration.definitions import build_definitions
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.shopify.records import ShopOrder
from simulator.shopify.world import ShopWorld
from simulator.world import World
from stack.demo import DemoRange, replay_pixel_traffic, run_pipeline, seed_demo_workspaces
from tests.helpers import (
    RUN_RANGE,
    Clock,
    copied_warehouse,
    make_settings,
    read_warehouse,
    with_app_database_copy,
)
from tests.parallel import COPIED_RUNS, built_once
from tests.pipeline.workspace_days import (
    ShiftedWorkspace,
    set_timezone_through_the_api,
    shifted_workspace,
)

RUN_RANGE_MIDPOINT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@dataclass
class PipelineRun:
    backend: str
    settings: Settings
    definitions: Definitions
    instance: DagsterInstance
    workspace_ids: dict[str, str]
    world: World
    simulator_url: str
    succeeded: bool

    def read(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return read_warehouse(self.settings.warehouse_url, sql, params)

    def landed_range(self) -> tuple[datetime, datetime]:
        """The windows the run read Shopify orders for (its own and the journey lookback)."""
        rows = self.read(
            "SELECT min(window_start) AS first, max(window_end) AS last FROM raw.landing_log"
            " WHERE source_table = 'shopify_orders'",
        )
        return rows[0]["first"], rows[0]["last"]

    def landed_orders(self, merchant: Merchant) -> list[ShopOrder]:
        """The merchant's orders the run landed, as it landed them: those whose latest change
        (as the world stands, frozen at NOW) falls in one of the windows it read."""
        first, last = self.landed_range()
        return ShopWorld.of(self.world).orders_updated(merchant.shop_domain, first, last)


@pytest.fixture(scope="session")
def warehouse_url_for(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[str], str]:
    def url(backend: str) -> str:
        if backend == "duckdb":
            return f"duckdb:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.duckdb'}"
        return request.getfixturevalue("create_postgres_database")("warehouse")

    return url


# The landing tests: each module moves its own world's clock (its `world` fixture runs on
# `clock`) and serves that world on its own simulator.
@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as running:
        yield running


@pytest.fixture(params=["duckdb", "postgres"])
def landing_settings(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    server: SimulatorServer,
    warehouse_url_for: Callable[[str], str],
) -> Settings:
    """Settings on an empty warehouse of each backend, the platforms at the module's simulator."""
    return make_settings(
        warehouse_url=warehouse_url_for(request.param),
        app_database_url=f"sqlite:///{tmp_path / 'app.db'}",
        simulator_url=server.base_url,
    )


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def pipeline_run(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    world: World,
    simulator: SimulatorServer,
    warehouse_url_for: Callable[[str], str],
) -> Iterator[PipelineRun]:
    backend = request.param
    if f"pipeline_run[{backend}]" in COPIED_RUNS:
        # Files only: built by the session's first worker to ask, copied by each (its tests run
        # on either worker, tests.parallel), on this worker's simulator of the same world.
        def build(directory: Path) -> None:
            settings = _run_settings(directory, simulator)
            built = _run_pipeline(settings, build_definitions(settings), world)
            (directory / BUILT_RUN).write_text(json.dumps(dataclasses.asdict(built)))

        directory = built_once(tmp_path_factory, f"pipeline_run-{backend}", build)
        built = BuiltRun(**json.loads((directory / BUILT_RUN).read_text()))
        settings = _run_settings(directory, simulator, secret_key=built.secret_key)
        definitions = build_definitions(settings)
    else:
        settings = make_settings(
            warehouse_url=warehouse_url_for(backend),
            app_database_url=f"sqlite:///{tmp_path_factory.mktemp('appdb') / 'app.db'}",
            simulator_url=simulator.base_url,
        )
        definitions = build_definitions(settings)
        built = _run_pipeline(settings, definitions, world)
    # The pipeline reads nothing back from the Dagster instance it ran in: the runs a test
    # starts (tests/pipeline/test_next_tick.py) go to a fresh one.
    with DagsterInstance.ephemeral() as instance:
        yield PipelineRun(
            backend=backend,
            settings=settings,
            definitions=definitions,
            instance=instance,
            workspace_ids=built.workspace_ids,
            world=world,
            simulator_url=simulator.base_url,
            succeeded=built.succeeded,
        )


# The file of a copied run's directory recording what `BuiltRun` holds.
BUILT_RUN = "built_run.json"


@dataclass(frozen=True)
class BuiltRun:
    """What a pipeline run's tests need beside its databases."""

    # The app database's credentials are sealed with it.
    secret_key: str
    workspace_ids: dict[str, str]
    succeeded: bool


def _run_settings(
    directory: Path, simulator: SimulatorServer, secret_key: str | None = None
) -> Settings:
    """Settings on a DuckDB warehouse and a SQLite app database in `directory`."""
    return make_settings(
        warehouse_url=f"duckdb:///{directory / 'warehouse.duckdb'}",
        app_database_url=f"sqlite:///{directory / 'app.db'}",
        simulator_url=simulator.base_url,
        secret_key=secret_key,
    )


def _run_pipeline(settings: Settings, definitions: Definitions, world: World) -> BuiltRun:
    """The demo's workspaces and their pixel traffic, and the pipeline run over RUN_RANGE."""
    workspace_ids = seed_demo_workspaces(settings, world)
    # The storefronts' pixel traffic of the range, in the API's inbox as it would have arrived.
    replay_pixel_traffic(settings, world, RUN_RANGE)
    with DagsterInstance.ephemeral() as instance:
        # Two runs, the second landing on top of the first: the models' second build is
        # incremental, so every test reads marts built the way the 15-minute schedule builds them.
        succeeded = all(
            run_pipeline(definitions, instance, part).success
            for part in (
                DemoRange(RUN_RANGE.start, RUN_RANGE_MIDPOINT),
                DemoRange(RUN_RANGE_MIDPOINT, RUN_RANGE.end),
            )
        )
    return BuiltRun(settings.secret_key, workspace_ids, succeeded)


@pytest.fixture
def warehouse_copy(pipeline_run: PipelineRun, tmp_path: Path) -> Iterator[str]:
    """A copy of the session's warehouse (landings and models) that a test may rebuild freely."""
    with copied_warehouse(pipeline_run.settings.warehouse_url, tmp_path) as copy:
        yield copy


@pytest.fixture(scope="session")
def shifted_run(
    pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ShiftedWorkspace]:
    """The session's warehouse with the New York workspace moved six hours from its ad accounts
    by its owner through the API (see tests.pipeline.workspace_days), built once per backend for
    the tests that read it."""
    assert pipeline_run.succeeded
    merchant = pipeline_run.world.merchants[0]
    workspace_id = pipeline_run.workspace_ids[merchant.slug]
    workdir = tmp_path_factory.mktemp("shifted_workspace")
    settings = with_app_database_copy(pipeline_run.settings, workdir)
    token = httpx.post(
        f"{pipeline_run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens"
    ).json()["jwt"]
    set_timezone_through_the_api(settings, workspace_id, token)
    with shifted_workspace(
        settings.warehouse_url, settings.app_database_url, workspace_id, merchant.timezone, workdir
    ) as shifted:
        yield shifted
