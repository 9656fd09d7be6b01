"""Values and builders the test packages share (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic, sleep
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
import sqlalchemy as sa
import uvicorn
from cryptography.fernet import Fernet
from dbt.cli.main import dbtRunner
from fastapi import FastAPI
from psycopg import sql as pg_sql
from starlette.types import ASGIApp

from api.main import create_app
from metricx.settings import Settings
from orchestration.defs.dbt.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from orchestration.lib.windows import WINDOW, Window
from stack.demo import DemoRange
from stack.simulated import simulated_platform_settings
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.models import Base
from warehouse.appdb.session import make_engine
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


def closing_window(day: date, timezone: str) -> Window:
    """The last 15-minute window of an account-local day: the first capture that saw the day
    whole."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))
    end = end.astimezone(UTC)
    return Window(end - WINDOW, end)


def make_settings(
    *,
    warehouse_url: str,
    app_database_url: str,
    simulator_url: str,
    secret_key: str | None = None,
    **overrides: object,
) -> Settings:
    """Settings pointing every platform at the simulator, with the credentials key of an app
    database made before or else a throwaway one."""
    return Settings(
        warehouse_url=warehouse_url,
        app_database_url=app_database_url,
        secret_key=secret_key or Fernet.generate_key().decode(),
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


def with_app_database_copy(settings: Settings, directory: Path, **overrides: object) -> Settings:
    """`settings` on a SQLite copy of its app database, for tests that write through the API
    (workspaces, members) without changing what the session's other tests read."""
    copy = f"sqlite:///{directory / 'app-copy.db'}"
    copy_app_database(settings.app_database_url, copy)
    return settings.model_copy(update={"app_database_url": copy, **overrides})


@contextmanager
def served_api(settings: Settings) -> Iterator[str]:
    """The API served by uvicorn on a free loopback port, in a thread, until the block ends;
    yields its base URL, which is also its public URL (where platforms send a browser back).
    For what only a real server shows: a client closing a stream, a browser."""
    with served_app(
        lambda url: create_app(settings.model_copy(update={"api_public_url": url}))
    ) as url:
        yield url


@contextmanager
def served_app(make_app: Callable[[str], ASGIApp]) -> Iterator[str]:
    """The app `make_app` builds for its base URL (the API, or the API behind a test's
    wrapper), served as `served_api` serves the API; yields that base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(make_app(base_url), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = monotonic() + 30
    while not server.started:
        if monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        sleep(0.05)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def routes_only_app() -> FastAPI:
    """The app to read routes and the OpenAPI document from: without its lifespan running, it
    needs no resources, so its settings are placeholders."""
    return create_app(Settings(clerk_issuer="http://clerk.invalid"), web_dist=None)


def copy_app_database(source_url: str, target_url: str) -> None:
    """The app database at `source_url`, rows and ids alike, into a new one at `target_url`
    (any backend): a test that writes to it leaves the source as it was."""
    upgrade(target_url)
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        with source.connect() as reading, target.begin() as writing:
            for table in Base.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in reading.execute(sa.select(table))]
                if rows:
                    writing.execute(sa.insert(table), rows)
    finally:
        source.dispose()
        target.dispose()


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


def execute_on_warehouse(warehouse_url: str, *statements: str) -> None:
    """Run statements on a connection closed before returning: DuckDB lets one connection at a
    time write the file, and dbt opens its own."""
    warehouse = open_warehouse(warehouse_url)
    try:
        for statement in statements:
            warehouse.execute(statement)
    finally:
        warehouse.close()


@contextmanager
def copied_warehouse(warehouse_url: str, directory: Path) -> Iterator[str]:
    """A copy of a warehouse (landings and models) that a test may rebuild freely: a file copy on
    DuckDB, a database made from it as a template on PostgreSQL (nothing may be connected to it
    meanwhile). Dropped on exit."""
    url = parse_warehouse_url(warehouse_url)
    if url.backend == "duckdb":
        copy = directory / "copy.duckdb"
        shutil.copyfile(url.duckdb_path, copy)
        yield f"duckdb:///{copy}"
        return
    source = url.postgres_parts["dbname"]
    name = f"{source}_copy_{uuid.uuid4().hex[:6]}"
    admin_dsn = url.postgres_dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            pg_sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                pg_sql.Identifier(name), pg_sql.Identifier(source)
            )
        )
    try:
        yield url.postgres_dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(
                pg_sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    pg_sql.Identifier(name)
                )
            )


class DbtRunner:
    """dbt commands on one warehouse, run in this process against the project parsed once for
    it: a dbt subprocess spends seconds starting up and parsing per command, more than building
    the pipeline tests' few rows takes. `dbt_vars` apply to every command."""

    def __init__(self, warehouse_url: str, workdir: Path, dbt_vars: Mapping[str, Any]) -> None:
        self._environment = parse_warehouse_url(warehouse_url).dbt_env()
        self.target_path = workdir / "target"
        self._options = [
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(workdir / "logs"),
            "--vars",
            json.dumps(dbt_vars),
            "--quiet",
        ]
        # The manifest names the warehouse's database (the DuckDB file's, the PostgreSQL
        # database's), so it is parsed for this one.
        parsed = self._invoke(dbtRunner(), "parse")
        self._runner = dbtRunner(manifest=parsed)

    def __call__(self, *args: str) -> None:
        self._invoke(self._runner, *args)

    def compiled_sql(self, model: str) -> str:
        """The SQL `model` was compiled to by the last command that built it."""
        return next((self.target_path / "compiled").rglob(f"{model}.sql")).read_text()

    def _invoke(self, runner: dbtRunner, *args: str) -> Any:
        saved = {name: os.environ.get(name) for name in self._environment}
        os.environ.update(self._environment)
        try:
            outcome = runner.invoke([*args, *self._options])
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        failures = [
            f"{result.node.name}: {result.message}"
            for result in getattr(outcome.result, "results", ())
            if result.status in ("error", "fail")
        ]
        assert outcome.success, f"dbt {' '.join(args)} failed: {failures or outcome.exception}"
        return outcome.result
