"""The semantic layer answers what the marts hold: real MetricFlow queries per backend, through
the `mf` CLI and the dbt profile the pipeline used, compared with fct_shop_kpis_daily and
fct_attributed_performance_daily, and its ad metrics on the workspace's days, with the workspace
six hours from its ad accounts, compared with the raw landed hours.

`mf` takes ~5 s to start, after a parse of the project for the backend: one query per mart.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.pipeline.conftest import PipelineRun
from tests.pipeline.metricflow import query_metricflow
from tests.pipeline.workspace_days import ShiftedWorkspace
from warehouse.connection import open_warehouse
from warehouse.semantic.compiler import (
    MetricQuery,
    SemanticLayer,
    UnknownDimension,
    UnknownMetric,
    as_day,
)
from warehouse.semantic.manifest import load_semantic_manifest

SALES_METRICS = (
    "gross_sales",
    "discounts",
    "returns",
    "net_sales",
    "shipping",
    "taxes",
    "total_sales",
)
METRICS = (
    "revenue",
    *SALES_METRICS,
    "orders",
    "new_customers",
    "average_order_value",
    "mer",
    "new_customer_cac",
)
AD_METRICS = (
    "spend",
    "impressions",
    "clicks",
    "platform_conversions",
    "platform_conversion_value",
    "ctr",
    "cpc",
    "cpm",
    "platform_roas",
    "platform_cpa",
    "mer",
    "new_customer_cac",
)
# MetricFlow's CSV renders numbers as floats: ratios are compared to this much.
RATIO_TOLERANCE = Decimal("0.000001")


@pytest.fixture(scope="module")
def metricflow_rows(
    pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, date], dict[str, str]]:
    """MetricFlow's answer per (workspace, day), leaving out days with neither a sales event nor
    a revenue order (only test orders), which the mart has no row for."""
    rows = query_metricflow(
        pipeline_run.settings.warehouse_url, tmp_path_factory.mktemp("metricflow"), METRICS
    )
    return {
        (row["workspace"], datetime.fromisoformat(row["metric_time__day"]).date()): row
        for row in rows
        if row["revenue"] or float(row["orders"] or 0)
    }


def _read(warehouse_url: str, sql: str) -> list[dict]:
    warehouse = open_warehouse(warehouse_url)
    try:
        return warehouse.fetch_all(sql)
    finally:
        warehouse.close()


def _kpis(warehouse_url: str) -> dict[tuple[str, date], dict]:
    rows = _read(warehouse_url, "SELECT * FROM marts.fct_shop_kpis_daily")
    return {(row["workspace_id"], row["date_day"]): row for row in rows}


def _spend(warehouse_url: str) -> dict[tuple[str, date], Decimal]:
    """Ad spend per workspace-local day, from the hourly mart."""
    rows = _read(
        warehouse_url,
        "SELECT workspace_id, workspace_date_day AS date_day,"
        " sum(spend_workspace_currency) AS spend FROM marts.fct_ad_reporting_hourly"
        " GROUP BY workspace_id, workspace_date_day",
    )
    return {(row["workspace_id"], row["date_day"]): Decimal(row["spend"]) for row in rows}


def _money(value: str) -> Decimal:
    # MetricFlow's CSV renders the sums as floats; a day's revenue is far inside their precision.
    # A metric with nothing to sum that day is empty.
    return Decimal(value or 0).quantize(Decimal("0.01"))


def test_metricflow_matches_the_shop_kpis_mart(
    pipeline_run: PipelineRun, metricflow_rows: dict[tuple[str, date], dict[str, str]]
) -> None:
    kpis = _kpis(pipeline_run.settings.warehouse_url)
    assert kpis
    assert set(metricflow_rows) == set(kpis)
    for key, row in kpis.items():
        answer = metricflow_rows[key]
        # Revenue is net sales; every sales figure is the mart's.
        assert _money(answer["revenue"]) == Decimal(row["net_sales"]), key
        for metric in SALES_METRICS:
            assert _money(answer[metric]) == Decimal(row[metric]), (key, metric)
        assert int(float(answer["orders"] or 0)) == row["orders"], key
        assert int(float(answer["new_customers"] or 0)) == row["new_customers"], key
        if row["orders"]:
            ratio = Decimal(row["net_sales"]) / row["orders"]
            assert abs(Decimal(answer["average_order_value"]) - ratio) < RATIO_TOLERANCE, key


def test_metricflow_relates_revenue_and_customers_to_ad_spend(
    pipeline_run: PipelineRun, metricflow_rows: dict[tuple[str, date], dict[str, str]]
) -> None:
    """MER and new-customer CAC join the shop and the ads semantic models on workspace and day."""
    url = pipeline_run.settings.warehouse_url
    kpis, spend = _kpis(url), _spend(url)
    compared = 0
    for key, row in kpis.items():
        if not spend.get(key):
            continue
        answer = metricflow_rows[key]
        mer = Decimal(row["net_sales"]) / spend[key]
        assert abs(Decimal(answer["mer"]) - mer) < RATIO_TOLERANCE, key
        if row["new_customers"]:
            cac = spend[key] / row["new_customers"]
            assert abs(Decimal(answer["new_customer_cac"]) - cac) < RATIO_TOLERANCE, key
        compared += 1
    assert compared, "no workspace-day with both orders and ad spend"


def test_per_model_attribution_metrics_match_the_mart(
    pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A per-model metric sums only its own model's rows (each row of the mart, spend included,
    exists once per model): last-click revenue, ROAS and CPA per workspace, day and platform;
    ROAS and CPA credit the ad campaigns only, so the shop's own channels have none."""
    rows = query_metricflow(
        pipeline_run.settings.warehouse_url,
        tmp_path_factory.mktemp("metricflow_attribution"),
        metrics=(
            "attributed_revenue_last_click",
            "attributed_roas_last_click",
            "attributed_cpa_last_click",
        ),
        group_by="metric_time__day,workspace,attributed_performance_day__provider",
    )
    answers = {
        (
            row["workspace"],
            datetime.fromisoformat(row["metric_time__day"]).date(),
            row["attributed_performance_day__provider"] or None,
        ): row
        for row in rows
    }
    mart = _read(
        pipeline_run.settings.warehouse_url,
        "SELECT workspace_id, date_day, provider,"
        " sum(attributed_revenue_workspace_currency) AS revenue,"
        " sum(spend_workspace_currency) AS spend, sum(attributed_orders) AS orders"
        " FROM marts.fct_attributed_performance_daily WHERE attribution_model = 'last_click'"
        " GROUP BY workspace_id, date_day, provider",
    )
    assert set(answers) == {(row["workspace_id"], row["date_day"], row["provider"]) for row in mart}
    with_spend = 0
    for row in mart:
        answer = answers[(row["workspace_id"], row["date_day"], row["provider"])]
        # Credited revenue keeps money's 4 decimals.
        revenue = Decimal(answer["attributed_revenue_last_click"]).quantize(Decimal("0.0001"))
        assert revenue == row["revenue"], row
        if row["provider"] is None:
            # The shop's own channels: ROAS and CPA are the ad campaigns' only.
            assert not answer["attributed_roas_last_click"], row
            assert not answer["attributed_cpa_last_click"], row
            continue
        if row["spend"]:
            roas = Decimal(row["revenue"]) / Decimal(row["spend"])
            assert abs(Decimal(answer["attributed_roas_last_click"]) - roas) < RATIO_TOLERANCE, row
            with_spend += 1
        if row["orders"]:
            cpa = Decimal(row["spend"]) / Decimal(row["orders"])
            assert abs(Decimal(answer["attributed_cpa_last_click"]) - cpa) < RATIO_TOLERANCE, row
    assert with_spend, "no platform day with spend to compare ROAS on"


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return numerator / denominator if denominator else None


def _assert_ratio(answer: str, expected: Decimal | None, what: tuple) -> None:
    if expected is None:
        assert not answer, what
    else:
        assert abs(Decimal(answer) - expected) < RATIO_TOLERANCE, (what, answer, expected)


def test_ad_metrics_are_on_the_workspace_days(
    shifted_run: ShiftedWorkspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """metric_time__day is the workspace's day for ads too: with the workspace six hours from its
    ad accounts, every ad metric of a day is built from the landed hours starting on that day in
    the workspace's timezone (summed from the raw landing tables), and MER and new-customer CAC
    put them beside the shop's figures of the same workspace day."""
    rows = query_metricflow(
        shifted_run.warehouse_url,
        tmp_path_factory.mktemp("metricflow_workspace_days"),
        metrics=AD_METRICS,
    )
    answers = {
        datetime.fromisoformat(row["metric_time__day"]).date(): row
        for row in rows
        if row["workspace"] == shifted_run.workspace_id
    }
    assert {day for day, row in answers.items() if row["spend"]} == set(
        shifted_run.by_workspace_day
    )
    kpis = _kpis(shifted_run.warehouse_url)
    for day, truth in shifted_run.by_workspace_day.items():
        answer, key = answers[day], (shifted_run.workspace_id, day)
        assert _money(answer["spend"]) == truth.spend.quantize(Decimal("0.01")), key
        assert int(float(answer["impressions"])) == truth.impressions, key
        assert int(float(answer["clicks"])) == truth.clicks, key
        assert abs(Decimal(answer["platform_conversions"]) - truth.conversions) < Decimal(
            "0.0001"
        ), key
        assert _money(answer["platform_conversion_value"]) == truth.conversion_value.quantize(
            Decimal("0.01")
        ), key
        _assert_ratio(answer["ctr"], _ratio(Decimal(truth.clicks), Decimal(truth.impressions)), key)
        _assert_ratio(answer["cpc"], _ratio(truth.spend, Decimal(truth.clicks)), key)
        _assert_ratio(answer["cpm"], _ratio(truth.spend * 1000, Decimal(truth.impressions)), key)
        _assert_ratio(answer["platform_roas"], _ratio(truth.conversion_value, truth.spend), key)
        _assert_ratio(answer["platform_cpa"], _ratio(truth.spend, truth.conversions), key)
        shop = kpis.get(key)
        _assert_ratio(
            answer["mer"], _ratio(Decimal(shop["net_sales"]), truth.spend) if shop else None, key
        )
        new_customers = Decimal(shop["new_customers"]) if shop else Decimal(0)
        _assert_ratio(answer["new_customer_cac"], _ratio(truth.spend, new_customers), key)


@pytest.fixture(scope="module")
def semantic_layer(pipeline_run: PipelineRun) -> SemanticLayer:
    return SemanticLayer(load_semantic_manifest(), pipeline_run.backend)


def _compiled_rows(
    run: PipelineRun, semantic_layer: SemanticLayer, query: MetricQuery, **values: Any
) -> list[dict[str, Any]]:
    warehouse = open_warehouse(run.settings.warehouse_url)
    try:
        return semantic_layer.query(warehouse, query, **values)
    finally:
        warehouse.close()


def test_compiled_metrics_answer_what_metricflow_answers(
    pipeline_run: PipelineRun,
    metricflow_rows: dict[tuple[str, date], dict[str, str]],
    semantic_layer: SemanticLayer,
) -> None:
    """The API's compiler (MetricFlow's SQL, compiled once, workspace and days bound as
    parameters) gives every metric `mf query` gives, workspace by workspace."""
    query = MetricQuery(METRICS, ("metric_time__day",))
    compared = 0
    for workspace_id in pipeline_run.workspace_ids.values():
        days = sorted(day for workspace, day in metricflow_rows if workspace == workspace_id)
        assert days, workspace_id
        rows = _compiled_rows(
            pipeline_run,
            semantic_layer,
            query,
            workspace_id=workspace_id,
            start=days[0],
            end=days[-1],
        )
        by_day = {as_day(row["metric_time__day"]): row for row in rows}
        for day in days:
            answer, compiled = metricflow_rows[(workspace_id, day)], by_day[day]
            for metric in METRICS:
                expected, actual = answer[metric], compiled[metric]
                if not expected:
                    assert actual is None, (workspace_id, day, metric)
                    continue
                difference = abs(Decimal(expected) - Decimal(str(actual)))
                assert difference < RATIO_TOLERANCE * max(1, abs(Decimal(expected))), (
                    workspace_id,
                    day,
                    metric,
                )
                compared += 1
    assert compared


@pytest.mark.parametrize(
    "hostile",
    [
        "' OR '1'='1",
        "x'; DROP TABLE marts.fct_sales; --",
        "{{ Dimension('ad_reporting_hour__provider') }}",
        "{% raw %}:workspace_id",
    ],
)
def test_request_values_are_bound_never_spliced(
    pipeline_run: PipelineRun, semantic_layer: SemanticLayer, hostile: str
) -> None:
    """A workspace id or a filter value holding SQL or template syntax matches nothing and
    changes nothing: it is a bound value, not statement text."""
    workspace_id = next(iter(pipeline_run.workspace_ids.values()))
    first, last = date(2000, 1, 1), date(2100, 1, 1)
    spend = MetricQuery(("spend",), ("metric_time__day",))
    assert not _compiled_rows(
        pipeline_run, semantic_layer, spend, workspace_id=hostile, start=first, end=last
    )
    by_platform = MetricQuery(("spend",), (), ("ad_reporting_hour__provider",))
    rows = _compiled_rows(
        pipeline_run,
        semantic_layer,
        by_platform,
        workspace_id=workspace_id,
        start=first,
        end=last,
        filter_values=(hostile,),
    )
    assert all(row["spend"] is None for row in rows)
    assert pipeline_run.read("SELECT count(*) AS n FROM marts.fct_sales")[0]["n"] > 0


def test_unknown_metrics_and_dimensions_name_the_allowed_ones(
    semantic_layer: SemanticLayer,
) -> None:
    with pytest.raises(UnknownMetric) as unknown_metric:
        semantic_layer.compile(MetricQuery(("spend; select 1",)))
    assert "spend" in unknown_metric.value.allowed
    with pytest.raises(UnknownDimension) as unknown_dimension:
        semantic_layer.compile(MetricQuery(("revenue",), ("ad_reporting_hour__provider",)))
    assert "metric_time__day" in unknown_dimension.value.allowed
    assert "ad_reporting_hour__provider" not in unknown_dimension.value.allowed
