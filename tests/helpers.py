"""Values and builders the test packages share (fixtures live in conftest.py)."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from api.main import create_app
from metricx.settings import Settings
from orchestration.defs.dbt.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from stack.demo import DemoRange
from stack.simulated import simulated_platform_settings
from warehouse.connection import open_warehouse
from warehouse.url import parse_warehouse_url

# The simulated "now": the shared run covers 12 hours before it, crossing local midnight in both
# demo merchants' timezones (New York 00:00 = 05:00 UTC, Berlin 00:00 = 23:00 UTC).
NOW = datetime(2026, 11, 20, 8, 7, tzinfo=UTC)
RUN_RANGE = DemoRange(
    datetime(2026, 11, 19, 20, 0, tzinfo=UTC), datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
)


@dataclass
class Clock:
    """A world's clock that a test moves by setting `now`."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def make_settings(
    *, warehouse_url: str, app_database_url: str, simulator_url: str, **overrides: object
) -> Settings:
    """Settings pointing every platform at the simulator, with a throwaway credentials key."""
    return Settings(
        warehouse_url=warehouse_url,
        app_database_url=app_database_url,
        secret_key=Fernet.generate_key().decode(),
        **simulated_platform_settings(simulator_url),
        **overrides,
    )


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a freshly created app, its lifespan running (ASGITransport does not run it)."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as client,
    ):
        yield client


def read_warehouse(
    warehouse_url: str, sql: str, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of one query, on a connection opened for it (DuckDB allows one writer at a time)."""
    warehouse = open_warehouse(warehouse_url)
    try:
        return warehouse.fetch_all(sql, params)
    finally:
        warehouse.close()


def run_dbt(warehouse_url: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run dbt on `warehouse_url`, failing the test with dbt's output if it fails.

    Artifacts go under `workdir`, apart from the project's own target/ that Dagster reads its
    manifest from; the bare environment keeps the caller's DBT_* variables out.
    """
    completed = subprocess.run(
        [
            DBT_EXECUTABLE,
            *args,
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env={
            "PATH": "",
            "HOME": str(workdir),
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            **parse_warehouse_url(warehouse_url).dbt_env(),
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, f"dbt {' '.join(args)} failed:\n{completed.stdout[-4000:]}"
    return completed
