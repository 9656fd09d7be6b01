"""`GET /v1/workspaces/{id}/campaigns` on the marts the pipeline built: each entity's spend and
attributed revenue are the marts' sums, and paging returns every entity once, in a stable
order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.reporting.attribution import DEFAULT_ATTRIBUTION_MODEL
from simulator.merchants import Merchant
from tests.pipeline.conftest import PipelineRun

CENT = Decimal("0.01")
RATIO_TOLERANCE = Decimal("0.000001")
# Each level's id column in fct_ad_reporting_hourly.
LEVEL_IDS = {"campaign": "campaign_id", "adset": "ad_group_id", "ad": "ad_id"}
HOSTILE = (
    "' OR '1'='1",
    "x'; DROP TABLE marts.dim_ad_entities; --",
    "{{ Dimension('ad_reporting_hour__provider') }}",
    "{% raw %}:workspace_id",
    "%(workspace_id)s $1 ?",
)


@pytest.fixture(scope="module")
def api(pipeline_run: PipelineRun) -> Iterator[TestClient]:
    with TestClient(create_app(pipeline_run.settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def headers(pipeline_run: PipelineRun) -> dict[str, dict[str, str]]:
    """A session token per merchant, for the module's few seconds."""
    tokens = {}
    for merchant in pipeline_run.world.merchants:
        response = httpx.post(
            f"{pipeline_run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
            params={"expires_in_seconds": 600},
        )
        response.raise_for_status()
        tokens[merchant.slug] = {"Authorization": f"Bearer {response.json()['jwt']}"}
    return tokens


@pytest.fixture(scope="module")
def all_days(pipeline_run: PipelineRun) -> dict[str, str]:
    """A custom range over every day the marts hold."""
    row = pipeline_run.read(
        "SELECT min(date_day) AS first, max(date_day) AS last"
        " FROM marts.fct_attributed_performance_daily"
    )[0]
    first: date = row["first"]
    last: date = row["last"]
    return {"range": "custom", "from": first.isoformat(), "to": last.isoformat()}


def _get(
    api: TestClient,
    run: PipelineRun,
    headers: dict[str, dict[str, str]],
    merchant: Merchant,
    params: dict[str, Any],
) -> httpx.Response:
    return api.get(
        f"/v1/workspaces/{run.workspace_ids[merchant.slug]}/campaigns",
        params=params,
        headers=headers[merchant.slug],
    )


@pytest.mark.parametrize("level", ["campaign", "adset", "ad"])
def test_each_entitys_spend_is_the_marts_sum(
    api: TestClient,
    pipeline_run: PipelineRun,
    headers: dict[str, dict[str, str]],
    all_days: dict[str, str],
    level: str,
) -> None:
    for merchant in pipeline_run.world.merchants:
        id_column = LEVEL_IDS[level]
        mart = {
            row["entity_id"]: Decimal(row["spend"]).quantize(CENT)
            for row in pipeline_run.read(
                f"SELECT {id_column} AS entity_id, sum(spend_workspace_currency) AS spend"
                " FROM marts.fct_ad_reporting_hourly"
                f" WHERE workspace_id = :workspace_id AND {id_column} IS NOT NULL"
                f" GROUP BY {id_column}",
                {"workspace_id": pipeline_run.workspace_ids[merchant.slug]},
            )
        }
        assert mart, (merchant.slug, level)
        response = _get(
            api, pipeline_run, headers, merchant, {**all_days, "level": level, "limit": 200}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["currency"] == merchant.currency
        spend = {item["id"]: item["spend"] for item in body["items"]}
        assert {id_: Decimal(amount) for id_, amount in spend.items() if amount} == mart
        assert all(item["level"] == level for item in body["items"])


def test_each_campaigns_attributed_revenue_is_the_marts_sum(
    api: TestClient,
    pipeline_run: PipelineRun,
    headers: dict[str, dict[str, str]],
    all_days: dict[str, str],
) -> None:
    compared = 0
    for merchant in pipeline_run.world.merchants:
        mart = {
            row["campaign_id"]: row
            for row in pipeline_run.read(
                "SELECT campaign_id, sum(attributed_revenue_workspace_currency) AS revenue,"
                " sum(spend_workspace_currency) AS spend"
                " FROM marts.fct_attributed_performance_daily"
                " WHERE workspace_id = :workspace_id AND attribution_model = :model"
                " AND provider IS NOT NULL GROUP BY campaign_id",
                {
                    "workspace_id": pipeline_run.workspace_ids[merchant.slug],
                    "model": DEFAULT_ATTRIBUTION_MODEL.value,
                },
            )
        }
        response = _get(api, pipeline_run, headers, merchant, {**all_days, "limit": 200})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["attribution_model"] == DEFAULT_ATTRIBUTION_MODEL.value
        for item in body["items"]:
            row = mart.get(item["id"])
            if row is None or not row["revenue"]:
                continue
            revenue = Decimal(row["revenue"])
            assert Decimal(item["attributed_revenue"]) == revenue.quantize(CENT), item
            if row["spend"]:
                roas = revenue / Decimal(row["spend"])
                assert abs(Decimal(str(item["attributed_roas"])) - roas) < RATIO_TOLERANCE, item
            compared += 1
    assert compared, "no campaign with attributed revenue"


@pytest.mark.parametrize(
    ("level", "sort"),
    [
        ("adset", "-spend"),
        ("adset", "name"),
        ("ad", "-name"),
        ("campaign", "-attributed_roas"),
        ("adset", "platform_roas"),
    ],
)
def test_paging_returns_every_entity_once_in_a_stable_order(
    api: TestClient,
    pipeline_run: PipelineRun,
    headers: dict[str, dict[str, str]],
    all_days: dict[str, str],
    level: str,
    sort: str,
) -> None:
    merchant = pipeline_run.world.merchants[0]
    params = {**all_days, "level": level, "sort": sort}
    whole = _get(api, pipeline_run, headers, merchant, {**params, "limit": 200}).json()
    assert whole["next_cursor"] is None
    expected = [(item["provider"], item["id"]) for item in whole["items"]]
    assert len(expected) == whole["total"] > 3

    paged: list[tuple[str, str]] = []
    cursor: dict[str, str] = {}
    while True:
        page = _get(api, pipeline_run, headers, merchant, {**params, "limit": 2, **cursor}).json()
        assert len(page["items"]) <= 2
        paged += [(item["provider"], item["id"]) for item in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = {"cursor": page["next_cursor"]}
    assert paged == expected

    field = sort.removeprefix("-")
    values = [item[field] for item in whole["items"]]
    present = [
        value.casefold() if isinstance(value, str) and field == "name" else Decimal(str(value))
        for value in values
        if value is not None
    ]
    assert present == sorted(present, reverse=sort.startswith("-"))
    # Nulls last, whichever the direction.
    assert values[len(present) :] == [None] * (len(values) - len(present))


def test_provider_and_status_filters(
    api: TestClient,
    pipeline_run: PipelineRun,
    headers: dict[str, dict[str, str]],
    all_days: dict[str, str],
) -> None:
    merchant = pipeline_run.world.merchants[0]
    everything = _get(api, pipeline_run, headers, merchant, {**all_days, "limit": 200}).json()
    by_provider = []
    for provider in ("meta_ads", "google_ads"):
        body = _get(
            api, pipeline_run, headers, merchant, {**all_days, "provider": provider, "limit": 200}
        ).json()
        assert body["items"], provider
        assert {item["provider"] for item in body["items"]} == {provider}
        by_provider += body["items"]
    assert sorted(by_provider, key=lambda item: item["id"]) == sorted(
        everything["items"], key=lambda item: item["id"]
    )
    statuses = {item["status"] for item in everything["items"] if item["status"]}
    assert statuses
    for status in statuses:
        body = _get(
            api, pipeline_run, headers, merchant, {**all_days, "status": status.lower()}
        ).json()
        assert body["items"]
        assert {item["status"] for item in body["items"]} == {status}


def test_a_bad_cursor_gets_a_422_problem(
    api: TestClient,
    pipeline_run: PipelineRun,
    headers: dict[str, dict[str, str]],
    all_days: dict[str, str],
) -> None:
    merchant = pipeline_run.world.merchants[0]
    first = _get(api, pipeline_run, headers, merchant, {**all_days, "limit": 1}).json()
    assert first["next_cursor"]
    for params in (
        {"cursor": "not a cursor"},
        {"cursor": first["next_cursor"], "sort": "name"},
        {"cursor": first["next_cursor"][:-4]},
    ):
        response = _get(api, pipeline_run, headers, merchant, {**all_days, **params})
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_sql_and_template_injection_never_fails_nor_changes_an_answer(
    api: TestClient,
    pipeline_run: PipelineRun,
    headers: dict[str, dict[str, str]],
    all_days: dict[str, str],
) -> None:
    merchant = pipeline_run.world.merchants[0]
    baseline = _get(api, pipeline_run, headers, merchant, {**all_days, "limit": 200})
    assert baseline.status_code == 200
    for hostile in HOSTILE:
        for name in ("range", "from", "to", "level", "attribution_model", "provider", "status",
                     "sort", "cursor", "limit"):  # fmt: skip
            response = _get(api, pipeline_run, headers, merchant, {**all_days, name: hostile})
            assert response.status_code == 422, (name, hostile, response.text)
    assert _get(api, pipeline_run, headers, merchant, {**all_days, "limit": 200}).json() == (
        baseline.json()
    )
