"""Fixtures shared by the whole suite: the simulated platforms, and real PostgreSQL databases
created and dropped per use."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql

from orchestration.defs.dbt.project import prepare_dbt_manifest
from orchestration.event_bookkeeping import apply_event_bookkeeping
from simulator.server import SimulatorServer
from simulator.world import World
from tests.helpers import NOW

# Spreading the suite over pytest-xdist workers (`make test`), and testing that spread.
pytest_plugins = ("pytester", "tests.parallel")


def pytest_configure(config: pytest.Config) -> None:
    # The suite's runs store their events as a deployment's do (test_dagster_postgres_storage
    # counts them).
    apply_event_bookkeeping()
    # Test modules and fixtures build the code location, whose dbt assets read the manifest: a
    # fresh clone has none.
    prepare_dbt_manifest()


# Connections the end of a session drops its databases on (PostgreSQL allows 100 by default).
CONCURRENT_DROPS = 8

POSTGRES_ADMIN_URL = os.environ.get(
    "METRICX_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The server the PostgreSQL half of the suite runs on.

    Outside CI an unreachable server skips those tests; in CI (`CI` set) it fails them, so a
    green run always means both backends passed.
    """
    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def create_postgres_database(postgres_admin_url: str) -> Iterator[Callable[[str], str]]:
    """`create(purpose)` makes an empty database and returns its URL; all are dropped at the end."""
    created: list[str] = []
    base = postgres_admin_url.rsplit("/", 1)[0]

    def create(purpose: str) -> str:
        name = f"metricx_test_{purpose}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return f"{base}/{name}"

    yield create

    def drop(name: str) -> None:
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    # On PostgreSQL 15 every DROP DATABASE waits for a checkpoint of its own, seconds while the
    # other worker writes; drops waiting at once share one. Measured: 20 drops under a writing
    # session took 25 s one after another, 0.7 s eight at a time.
    with ThreadPoolExecutor(max_workers=CONCURRENT_DROPS) as pool:
        list(pool.map(drop, created))


@pytest.fixture(scope="session")
def world() -> World:
    """The demo merchants' world, frozen at NOW so every figure is reproducible."""
    return World(seed=7, merchants=2, clock=lambda: NOW)


@pytest.fixture(scope="session")
def simulator(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as server:
        yield server
