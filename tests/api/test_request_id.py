"""Every answer carries an `X-Request-ID`, and an error no handler answers is a problem+json 500
with that id, logged under it: on an app database that was never migrated (a real failure,
every query fails), on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from metricx.logs import make_handler
from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, mint_token
from tests.helpers import serve


@pytest.fixture(params=["sqlite", "postgres"])
def unmigrated_settings(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> Settings:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        create: Callable[[str], str] = request.getfixturevalue("create_postgres_database")
        url = create("unmigrated")
    return settings.model_copy(update={"app_database_url": url})


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """What the API logs, as its JSON lines."""
    lines = io.StringIO()
    handler = make_handler("json")
    handler.setStream(lines)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lines
    finally:
        root.removeHandler(handler)


async def test_request_id_is_echoed_or_made(settings: Settings) -> None:
    async with serve(settings) as client:
        echoed = await client.get("/v1/health", headers={"X-Request-ID": "lb-4f2a.77"})
        made = await client.get("/v1/health")
        made_again = await client.get("/v1/health")
        # A header that could forge a log line is replaced, not echoed.
        forged = await client.get("/v1/health", headers={"X-Request-ID": "x\tinjected=1"})
        unauthorized = await client.get("/v1/workspaces", headers={"X-Request-ID": "abc"})

    assert echoed.headers["x-request-id"] == "lb-4f2a.77"
    assert len(made.headers["x-request-id"]) == 32
    assert made.headers["x-request-id"] != made_again.headers["x-request-id"]
    assert forged.headers["x-request-id"] not in ("x\tinjected=1", "")
    assert unauthorized.status_code == 401
    assert unauthorized.headers["x-request-id"] == "abc"


async def test_unhandled_error_is_a_problem_500_with_the_request_id(
    unmigrated_settings: Settings,
    simulator: SimulatorServer,
    merchants: list[Merchant],
    json_logs: io.StringIO,
) -> None:
    token = bearer(mint_token(simulator, merchants[0]))
    async with serve(unmigrated_settings) as client:
        response = await client.get(
            "/v1/workspaces", headers={**token, "X-Request-ID": "req-500-probe"}
        )

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-500-probe"
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert body["status"] == 500 and body["title"] == "Internal Server Error"
    assert body["request_id"] == "req-500-probe"
    # The body says nothing of the cause (a missing table); the log does, under the id.
    assert "users" not in json.dumps(body)
    records = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    [failure] = [record for record in records if record.get("request_id") == "req-500-probe"]
    assert failure["level"] == "ERROR" and "users" in failure["exception"]
