"""Throwaway warehouses and app databases for a benchmark, on either backend."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from dagster import ExecuteInProcessResult
from psycopg import sql

from metricx.settings import Settings
from stack.simulated import simulated_platform_settings

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_available() -> bool:
    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@contextmanager
def bench_settings(backend: str, simulator_url: str) -> Iterator[Settings]:
    """Settings on a fresh warehouse of `backend`, pointing every platform at the simulator."""
    with tempfile.TemporaryDirectory(prefix="metricx-bench-") as folder:
        database = None
        if backend == "duckdb":
            warehouse_url = f"duckdb:///{Path(folder) / 'warehouse.duckdb'}"
        else:
            database = f"metricx_bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            warehouse_url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{database}"
        try:
            yield Settings(
                warehouse_url=warehouse_url,
                app_database_url=f"sqlite:///{Path(folder) / 'app.db'}",
                secret_key=Fernet.generate_key().decode(),
                **simulated_platform_settings(simulator_url),
            )
        finally:
            if database is not None:
                with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                    admin.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(database)
                        )
                    )


def step_seconds(result: ExecuteInProcessResult | None) -> float:
    """The steps' own compute time in a run: the work, without Dagster's bookkeeping around it."""
    if result is None:
        raise ValueError("the run did not happen")
    return sum(
        event.step_success_data.duration_ms / 1000 for event in result.get_step_success_events()
    )
