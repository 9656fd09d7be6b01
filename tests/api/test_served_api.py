"""The API as `metricx api` and the demo serve it behind uvicorn (stack/api_server.py): no server
banner. (Its refusal to start without authorized parties: tests/api/test_auth_service.py.)"""

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
