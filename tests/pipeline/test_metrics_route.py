"""`GET /v1/workspaces/{id}/metrics` on the marts the pipeline built: the marts' figures, a 422
naming what is allowed, and request values that never reach the SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from simulator.merchants import Merchant
from stack.demo import mint_demo_token
from tests.pipeline.conftest import PipelineRun

# The ads semantic model's names: one place to follow its renames.
PLATFORM = "ad_reporting_hour__provider"
CENT = Decimal("0.01")
# Ratios are floats: compared to this much.
RATIO_TOLERANCE = Decimal("0.000001")
HOSTILE = (
    "' OR '1'='1",
    "x'; DROP TABLE marts.fct_sales; --",
    "{{ Dimension('ad_reporting_hour__provider') }}",
    "{% raw %}:workspace_id",
    "%(workspace_id)s $1 ?",
    "meta_ads\x00",
)


@pytest.fixture(scope="module")
def api(pipeline_run: PipelineRun) -> Iterator[TestClient]:
    with TestClient(create_app(pipeline_run.settings), raise_server_exceptions=False) as client:
        yield client


def _headers(run: PipelineRun, merchant: Merchant) -> dict[str, str]:
    token = mint_demo_token(run.simulator_url, merchant.clerk_session_id, 600)
    return {"Authorization": f"Bearer {token}"}


def _days(run: PipelineRun, table: str, column: str) -> tuple[date, date]:
    row = run.read(f"SELECT min({column}) AS first, max({column}) AS last FROM marts.{table}")[0]
    return row["first"], row["last"]


def _get(
    api: TestClient, run: PipelineRun, merchant: Merchant, params: list[tuple[str, str]]
) -> httpx.Response:
    return api.get(
        f"/v1/workspaces/{run.workspace_ids[merchant.slug]}/metrics",
        params=params,
        headers=_headers(run, merchant),
    )


def _as_date(value: str) -> date:
    return datetime.fromisoformat(value).date()


def _weekly_ad_figures(run: PipelineRun) -> dict[tuple[str, date, str], dict[str, Decimal]]:
    """fct_ad_reporting_daily summed per workspace, week (from Monday) and platform."""
    weeks: dict[tuple[str, date, str], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for row in run.read("SELECT * FROM marts.fct_ad_reporting_hourly"):
        monday = row["workspace_date_day"] - timedelta(days=row["workspace_date_day"].weekday())
        week = weeks[(row["workspace_id"], monday, row["platform"])]
        week["spend"] += row["spend_workspace_currency"]
        week["value"] += row["conversion_value_workspace_currency"]
        week["clicks"] += row["clicks"]
        week["impressions"] += row["impressions"]
    return weeks


def test_metrics_by_week_and_platform_are_the_ad_marts(
    api: TestClient, pipeline_run: PipelineRun
) -> None:
    """Money to the cent as strings, counts and ratios (of the week's sums) as numbers; the
    compiler itself answers what `mf query` answers (test_semantic_layer)."""
    metrics = ("spend", "clicks", "impressions", "platform_roas", "ctr")
    expected = _weekly_ad_figures(pipeline_run)
    first, last = _days(pipeline_run, "fct_ad_reporting_hourly", "workspace_date_day")
    compared = 0
    for merchant in pipeline_run.world.merchants:
        workspace_id = pipeline_run.workspace_ids[merchant.slug]
        response = _get(
            api,
            pipeline_run,
            merchant,
            [
                ("metrics", ",".join(metrics)),
                ("group_by", PLATFORM),
                ("grain", "week"),
                ("range", "custom"),
                ("from", first.isoformat()),
                ("to", last.isoformat()),
            ],
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["currency"] == merchant.currency
        assert {metric["name"]: metric["unit"] for metric in body["metrics"]} == {
            "spend": "money",
            "clicks": "quantity",
            "impressions": "quantity",
            "platform_roas": "ratio",
            "ctr": "ratio",
        }
        answers = {
            (workspace_id, _as_date(row["date"]), row["dimensions"][PLATFORM]): row["values"]
            for row in body["rows"]
        }
        assert set(answers) == {key for key in expected if key[0] == workspace_id}
        for key, values in answers.items():
            week = expected[key]
            assert isinstance(values["spend"], str)
            assert Decimal(values["spend"]) == week["spend"].quantize(CENT), key
            assert isinstance(values["clicks"], int), key
            assert values["clicks"] == week["clicks"], key
            assert values["impressions"] == week["impressions"], key
            for metric, ratio in (
                ("platform_roas", week["value"] / week["spend"]),
                ("ctr", week["clicks"] / week["impressions"]),
            ):
                assert isinstance(values[metric], float), (key, metric)
                assert abs(Decimal(str(values[metric])) - ratio) < RATIO_TOLERANCE, (key, metric)
            compared += 1
    assert compared


def test_shop_metrics_by_day_are_the_shop_kpis_mart(
    api: TestClient, pipeline_run: PipelineRun
) -> None:
    first, last = _days(pipeline_run, "fct_shop_kpis_daily", "date_day")
    for merchant in pipeline_run.world.merchants:
        workspace_id = pipeline_run.workspace_ids[merchant.slug]
        mart = {
            row["date_day"]: row
            for row in pipeline_run.read(
                "SELECT date_day, net_sales, orders FROM marts.fct_shop_kpis_daily"
                " WHERE workspace_id = :workspace_id",
                {"workspace_id": workspace_id},
            )
        }
        assert mart, merchant.slug
        response = _get(
            api,
            pipeline_run,
            merchant,
            [
                ("metrics", "revenue"),
                ("metrics", "orders"),
                ("grain", "day"),
                ("range", "custom"),
                ("from", first.isoformat()),
                ("to", last.isoformat()),
            ],
        )
        assert response.status_code == 200, response.text
        answers = {_as_date(row["date"]): row["values"] for row in response.json()["rows"]}
        for day, row in mart.items():
            assert Decimal(answers[day]["revenue"] or 0) == Decimal(row["net_sales"]), day
            assert (answers[day]["orders"] or 0) == row["orders"], day


def test_a_filter_keeps_the_rows_of_its_value(api: TestClient, pipeline_run: PipelineRun) -> None:
    first, last = _days(pipeline_run, "fct_ad_reporting_hourly", "workspace_date_day")
    merchant = pipeline_run.world.merchants[0]
    for platform in ("meta_ads", "google_ads"):
        mart = {
            row["workspace_date_day"]: Decimal(row["spend"]).quantize(CENT)
            for row in pipeline_run.read(
                "SELECT workspace_date_day, sum(spend_workspace_currency) AS spend"
                " FROM marts.fct_ad_reporting_hourly"
                " WHERE workspace_id = :workspace_id AND platform = :platform"
                " GROUP BY workspace_date_day",
                {"workspace_id": pipeline_run.workspace_ids[merchant.slug], "platform": platform},
            )
        }
        assert mart, platform
        response = _get(
            api,
            pipeline_run,
            merchant,
            [
                ("metrics", "spend"),
                ("grain", "day"),
                ("filter", f"{PLATFORM}:{platform}"),
                ("range", "custom"),
                ("from", first.isoformat()),
                ("to", last.isoformat()),
            ],
        )
        assert response.status_code == 200, response.text
        rows = response.json()["rows"]
        assert {_as_date(row["date"]): Decimal(row["values"]["spend"]) for row in rows} == mart


def test_unknown_metrics_and_dimensions_get_a_422_listing_the_allowed(
    api: TestClient, pipeline_run: PipelineRun
) -> None:
    merchant = pipeline_run.world.merchants[0]
    unknown_metric = _get(api, pipeline_run, merchant, [("metrics", "spend,roas")])
    assert unknown_metric.status_code == 422
    assert unknown_metric.headers["content-type"] == "application/problem+json"
    body = unknown_metric.json()
    assert "roas" in body["detail"]
    assert {"spend", "platform_roas", "revenue", "mer"} <= set(body["allowed_metrics"])

    for params in (
        [("metrics", "revenue"), ("group_by", PLATFORM)],
        [("metrics", "revenue"), ("filter", f"{PLATFORM}:meta_ads")],
    ):
        unknown_dimension = _get(api, pipeline_run, merchant, params)
        assert unknown_dimension.status_code == 422, params
        allowed = unknown_dimension.json()["allowed_dimensions"]
        assert PLATFORM not in allowed
        assert "order__is_new_customer" in allowed

    no_metric = _get(api, pipeline_run, merchant, [("metrics", "")])
    assert no_metric.status_code == 422
    assert "spend" in no_metric.json()["allowed_metrics"]


def _hostile_requests(hostile: str) -> list[list[tuple[str, str]]]:
    spend = ("metrics", "spend")
    return [
        [("metrics", hostile)],
        [spend, ("group_by", hostile)],
        [spend, ("grain", hostile)],
        [spend, ("range", hostile)],
        [spend, ("range", "custom"), ("from", hostile), ("to", "2026-11-20")],
        [spend, ("range", "custom"), ("from", "2026-11-01"), ("to", hostile)],
        [spend, ("filter", hostile)],
        [spend, ("filter", f"{hostile}:meta_ads")],
        [spend, ("filter", f"{PLATFORM}:{hostile}")],
    ]


def test_sql_and_template_injection_never_fails_nor_changes_an_answer(
    api: TestClient, pipeline_run: PipelineRun
) -> None:
    merchant = pipeline_run.world.merchants[0]
    first, last = _days(pipeline_run, "fct_ad_reporting_hourly", "workspace_date_day")
    baseline_params = [
        ("metrics", "spend,revenue,mer"),
        ("grain", "day"),
        ("range", "custom"),
        ("from", first.isoformat()),
        ("to", last.isoformat()),
    ]
    baseline = _get(api, pipeline_run, merchant, baseline_params)
    assert baseline.status_code == 200, baseline.text
    assert any(row["values"]["spend"] for row in baseline.json()["rows"])
    headers = _headers(pipeline_run, merchant)
    for hostile in HOSTILE:
        for params in _hostile_requests(hostile):
            response = _get(api, pipeline_run, merchant, params)
            assert response.status_code in (200, 422), (hostile, params, response.text)
            if response.status_code == 200:
                # Only a hostile filter value gets through validation: it matches nothing.
                body: dict[str, Any] = response.json()
                assert all(row["values"]["spend"] is None for row in body["rows"]), params
        as_workspace = api.get(
            f"/v1/workspaces/{quote(hostile, safe='')}/metrics",
            params=[("metrics", "spend")],
            headers=headers,
        )
        assert as_workspace.status_code == 404, (hostile, as_workspace.text)
    assert _get(api, pipeline_run, merchant, baseline_params).json() == baseline.json()
