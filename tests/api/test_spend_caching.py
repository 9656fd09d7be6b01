"""ETags and the response cache on /spend/daily: answers follow each publication of the marts,
never cross workspaces, and a different question is a different answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from tests.api.conftest import bearer, build_marts, coverage_rows, mart_rows, mint_token
from tests.helpers import serve
from warehouse.connection import DuckDBWarehouse, open_warehouse
from warehouse.serving import publish_marts, publish_serving_copy

pytestmark = pytest.mark.asyncio(loop_scope="session")

PERIOD = {"start": "2026-11-18", "end": "2026-11-20"}


@pytest.fixture
def warehouse_url(tmp_path: Path, workspace_ids: dict[str, str]) -> str:
    """Marts of this test alone: it rewrites and republishes them."""
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    build_marts(url, mart_rows(workspace_ids), coverage_rows(workspace_ids))
    return url


@pytest.fixture
def token_of(
    simulator: SimulatorServer, merchants: list[Merchant]
) -> Callable[[int], dict[str, str]]:
    return lambda index: bearer(mint_token(simulator, merchants[index]))


def _rebuild(url: str, workspace_id: str, day: date, spend: str, *, publish: bool) -> None:
    """A build that adds spend to a day; `publish=False` swaps the serving file in without a new
    version (what no build does): the answers of the version in force must then be the kept
    ones, which shows they are kept."""
    warehouse = open_warehouse(url)
    try:
        warehouse.execute(
            "INSERT INTO marts.fct_ad_reporting_hourly VALUES (:workspace_id, 'meta_ads', "
            "'acct', 'camp', 'adset', 'new', :day, 12, :day, 'USD', :spend, 1, 1, 'USD', :spend)",
            {"workspace_id": workspace_id, "day": day, "spend": Decimal(spend)},
        )
        if publish:
            publish_marts(warehouse)
        else:
            assert isinstance(warehouse, DuckDBWarehouse)
            publish_serving_copy(warehouse)
    finally:
        warehouse.close()


def _spend(response: httpx.Response, day: str) -> str:
    return next(d["spend"] for d in response.json()["days"] if d["date"] == day)


async def test_a_matching_if_none_match_is_304_with_the_etag_and_no_body(
    client: httpx.AsyncClient,
    workspace_ids: dict[str, str],
    token_of: Callable[[int], dict[str, str]],
) -> None:
    path = f"/v1/workspaces/{workspace_ids['demo-1']}/spend/daily"
    first = await client.get(path, params=PERIOD, headers=token_of(0))
    etag = first.headers["etag"]
    assert first.status_code == 200
    assert first.headers["cache-control"] == "private, no-cache"

    for if_none_match in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        again = await client.get(
            path, params=PERIOD, headers={**token_of(0), "If-None-Match": if_none_match}
        )
        assert again.status_code == 304, if_none_match
        assert again.content == b""
        assert again.headers["etag"] == etag

    other = await client.get(path, params=PERIOD, headers={**token_of(0), "If-None-Match": '"x"'})
    assert other.status_code == 200
    assert other.json() == first.json()
    assert other.headers["etag"] == etag


async def test_a_publication_brings_the_new_figures_with_a_new_etag(
    client: httpx.AsyncClient,
    warehouse_url: str,
    workspace_ids: dict[str, str],
    token_of: Callable[[int], dict[str, str]],
) -> None:
    path = f"/v1/workspaces/{workspace_ids['demo-1']}/spend/daily"
    before = await client.get(path, params=PERIOD, headers=token_of(0))
    assert _spend(before, "2026-11-19") == "0.00"

    # New rows in the serving file, same version: the kept answer still stands.
    _rebuild(warehouse_url, workspace_ids["demo-1"], date(2026, 11, 19), "5", publish=False)
    kept = await client.get(
        path, params=PERIOD, headers={**token_of(0), "If-None-Match": before.headers["etag"]}
    )
    assert kept.status_code == 304

    _rebuild(warehouse_url, workspace_ids["demo-1"], date(2026, 11, 19), "2", publish=True)
    after = await client.get(
        path, params=PERIOD, headers={**token_of(0), "If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert _spend(after, "2026-11-19") == "7.00"


async def test_the_cache_never_answers_for_another_workspace(
    client: httpx.AsyncClient,
    workspace_ids: dict[str, str],
    token_of: Callable[[int], dict[str, str]],
) -> None:
    demo_1 = f"/v1/workspaces/{workspace_ids['demo-1']}/spend/daily"
    demo_2 = f"/v1/workspaces/{workspace_ids['demo-2']}/spend/daily"
    first = await client.get(demo_1, params=PERIOD, headers=token_of(0))
    assert first.status_code == 200

    # The same question about another workspace: its own figures, not the kept answer.
    second = await client.get(demo_2, params=PERIOD, headers=token_of(1))
    assert second.status_code == 200
    assert second.json()["workspace_id"] == workspace_ids["demo-2"]
    assert _spend(second, "2026-11-18") == "55.00"
    assert second.headers["etag"] != first.headers["etag"]

    # A member of demo-2 asking for demo-1's kept answer, its ETag in hand: still no access.
    for headers in (token_of(1), {**token_of(1), "If-None-Match": first.headers["etag"]}):
        denied = await client.get(demo_1, params=PERIOD, headers=headers)
        assert denied.status_code == 404
        assert "etag" not in denied.headers


async def test_a_changed_query_is_another_answer(
    client: httpx.AsyncClient,
    warehouse_url: str,
    workspace_ids: dict[str, str],
    token_of: Callable[[int], dict[str, str]],
) -> None:
    path = f"/v1/workspaces/{workspace_ids['demo-1']}/spend/daily"
    kept = await client.get(path, params=PERIOD, headers=token_of(0))
    # New figures in the serving file under the same version: only a question not asked yet
    # reads them, the one asked is answered from the cache.
    _rebuild(warehouse_url, workspace_ids["demo-1"], date(2026, 11, 19), "5", publish=False)

    same = await client.get(path, params=PERIOD, headers=token_of(0))
    # The same days spelled in the other order of parameters: the same question.
    reordered = await client.get(
        f"{path}?end={PERIOD['end']}&start={PERIOD['start']}", headers=token_of(0)
    )
    longer = await client.get(path, params={**PERIOD, "end": "2026-11-21"}, headers=token_of(0))

    assert same.json() == kept.json() == reordered.json()
    assert _spend(same, "2026-11-19") == "0.00"
    assert _spend(longer, "2026-11-19") == "5.00"
    assert longer.headers["etag"] != kept.headers["etag"]


async def test_without_the_cache_a_current_etag_is_304_without_reading_the_marts(
    settings: Settings,
    warehouse_url: str,
    workspace_ids: dict[str, str],
    token_of: Callable[[int], dict[str, str]],
) -> None:
    """The tag names the question and the published version, so revalidating a page costs no
    query even when nothing is kept: rows swapped in under the same version (what no build
    does) are not read, and a publication ends the tag's validity."""
    path = f"/v1/workspaces/{workspace_ids['demo-1']}/spend/daily"
    async with serve(settings.model_copy(update={"response_cache_max_bytes": 0})) as client:
        first = await client.get(path, params=PERIOD, headers=token_of(0))
        etag = first.headers["etag"]
        _rebuild(warehouse_url, workspace_ids["demo-1"], date(2026, 11, 19), "5", publish=False)
        revalidated = await client.get(
            path, params=PERIOD, headers={**token_of(0), "If-None-Match": etag}
        )
        # Without a tag the answer is built again and the swapped-in rows show.
        rebuilt = await client.get(path, params=PERIOD, headers=token_of(0))
        _rebuild(warehouse_url, workspace_ids["demo-1"], date(2026, 11, 19), "2", publish=True)
        published = await client.get(
            path, params=PERIOD, headers={**token_of(0), "If-None-Match": etag}
        )

    assert revalidated.status_code == 304 and revalidated.headers["etag"] == etag
    assert _spend(first, "2026-11-19") == "0.00" and _spend(rebuilt, "2026-11-19") == "5.00"
    assert published.status_code == 200 and published.headers["etag"] != etag
    assert _spend(published, "2026-11-19") == "7.00"
