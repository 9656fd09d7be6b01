from __future__ import annotations

import httpx
import pytest

from metricx.settings import Settings
from tests.api.conftest import serve

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_health_needs_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "app_database": "ok", "warehouse": "ok"}


async def test_unpublished_warehouse_is_reported_not_fatal(settings: Settings, tmp_path) -> None:
    unpublished = settings.model_copy(
        update={"warehouse_url": f"duckdb:///{tmp_path / 'never-built.duckdb'}"}
    )
    async with serve(unpublished) as client:
        response = await client.get("/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "app_database": "ok", "warehouse": "unavailable"}
