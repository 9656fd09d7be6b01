"""The API as `metricx api` and the demo serve it behind uvicorn (stack/api_server.py): no server
banner, and no package loaded that its backends do not use. (Its refusal to start without
authorized parties: tests/api/test_auth_service.py.)"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx

from metricx.settings import Settings

START_TIMEOUT_SECONDS = 60


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "METRICX_APP_DATABASE_URL": settings.app_database_url,
        "METRICX_WAREHOUSE_URL": settings.warehouse_url,
        "METRICX_SECRET_KEY": settings.secret_key,
        "METRICX_CLERK_ISSUER": settings.clerk_issuer,
        "METRICX_CLERK_AUTHORIZED_PARTIES": json.dumps(settings.clerk_authorized_parties),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _metricx_api(port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    # stack.cli's own imports (Dagster, dbt) would only slow the start.
    command = [
        sys.executable,
        "-c",
        f"from stack.api_server import serve_api; serve_api('127.0.0.1', {port})",
    ]
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)


def test_served_api_sends_no_server_banner(settings: Settings) -> None:
    port = _free_port()
    process = _metricx_api(port, _env(settings))
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            assert process.poll() is None, "the API exited while starting"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.communicate(timeout=30)

    assert response.status_code == 200
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


# Packages the API on the embedded default (DuckDB, SQLite) has no use for, each several MB of
# its resident memory (budget: 300 MB at 50 merchants, bench/dashboard.py): pyarrow lands rows,
# psycopg talks to PostgreSQL, svix is loaded at the first Clerk delivery, anthropic only with a
# Claude key.
UNUSED_ON_THE_EMBEDDED_DEFAULT = {"pyarrow", "psycopg", "svix", "anthropic"}
_STARTED_APP_MODULES = """
import asyncio, sys
from api.main import create_app

async def started() -> None:
    app = create_app(web_dist=None)
    async with app.router.lifespan_context(app):
        pass

asyncio.run(started())
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_api_on_the_embedded_default_loads_no_package_it_does_not_use(
    settings: Settings,
) -> None:
    assert settings.warehouse_url.startswith("duckdb:")
    assert settings.app_database_url.startswith("sqlite:")
    # Without a Claude key, whatever the shell running the tests holds.
    env = {name: value for name, value in _env(settings).items() if name != "ANTHROPIC_API_KEY"}
    started = subprocess.run(
        [sys.executable, "-c", _STARTED_APP_MODULES],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS,
    )
    assert started.returncode == 0, started.stderr
    loaded = set(started.stdout.split())

    assert {"api", "duckdb", "sqlalchemy"} <= loaded
    assert not loaded & UNUSED_ON_THE_EMBEDDED_DEFAULT
