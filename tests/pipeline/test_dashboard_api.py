"""The one-call dashboard on what the pipeline built: every KPI is MetricFlow's own answer
(`mf query`) for the workspace and days, the breakdowns add up to the marts, and a single day
is drawn from the 15-minute captures."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.dashboard.kpis import KPIS
from api.reporting.attribution import DEFAULT_ATTRIBUTION_MODEL
from tests.helpers import RUN_RANGE, serve
from tests.pipeline.conftest import PipelineRun
from tests.pipeline.metricflow import query_metricflow

# MetricFlow's CSV renders numbers as floats.
TOLERANCE = Decimal("0.000001")


def _cents(value: str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _true(value: str) -> bool:
    """A boolean as MetricFlow's CSV writes it."""
    return value.strip().lower() in ("true", "t", "1")


def _token(run: PipelineRun, slug: str) -> str:
    merchant = next(m for m in run.world.merchants if m.slug == slug)
    response = httpx.post(
        f"{run.simulator_url}/clerk/v1/sessions/{merchant.clerk_session_id}/tokens",
        params={"expires_in_seconds": 600},
    )
    response.raise_for_status()
    return response.json()["jwt"]


def _run_days(run: PipelineRun) -> tuple[date, date]:
    """Days holding the run's landings in every demo merchant's timezone."""
    return RUN_RANGE.start.date() - timedelta(days=1), RUN_RANGE.end.date()


async def _dashboards(run: PipelineRun, **params: str) -> dict[str, dict[str, Any]]:
    """Each demo workspace's dashboard, by workspace id."""
    answers = {}
    async with serve(run.settings) as client:
        for slug, workspace_id in run.workspace_ids.items():
            response = await client.get(
                f"/v1/workspaces/{workspace_id}/dashboard",
                params=params,
                headers={"Authorization": f"Bearer {_token(run, slug)}"},
            )
            assert response.status_code == 200, response.text
            answers[workspace_id] = response.json()
    return answers


@pytest.fixture(scope="module")
def period_dashboards(pipeline_run: PipelineRun) -> dict[str, dict[str, Any]]:
    first, last = _run_days(pipeline_run)
    return asyncio.run(
        _dashboards(pipeline_run, range="custom", **{"from": str(first), "to": str(last)})
    )


def test_every_kpi_is_metricflows_answer_for_the_workspace_and_days(
    pipeline_run: PipelineRun,
    period_dashboards: dict[str, dict[str, Any]],
    tmp_path: Path,
) -> None:
    first, last = _run_days(pipeline_run)
    metrics = tuple(kpi.metric_for(DEFAULT_ATTRIBUTION_MODEL) for kpi in KPIS)
    rows = query_metricflow(
        pipeline_run.settings.warehouse_url,
        tmp_path,
        metrics,
        group_by="workspace",
        where=f"{{{{ TimeDimension('metric_time', 'day') }}}} between '{first}' and '{last}'",
    )
    expected = {row["workspace"]: row for row in rows}
    compared = 0
    for workspace_id, dashboard in period_dashboards.items():
        assert dashboard["meta"]["period"] == {"start": str(first), "end": str(last)}
        for kpi in KPIS:
            served = dashboard["kpis"][kpi.key]["value"]
            answer = expected[workspace_id][kpi.metric_for(DEFAULT_ATTRIBUTION_MODEL)]
            if not answer:
                assert served is None, (workspace_id, kpi.key)
                continue
            exact = Decimal(answer)
            if kpi.kind == "money":
                assert Decimal(served) == exact.quantize(Decimal("0.01")), (workspace_id, kpi.key)
            else:
                # Ratios are served to 4 decimals.
                assert abs(Decimal(str(served)) - exact) <= Decimal("0.00005") + TOLERANCE, (
                    workspace_id,
                    kpi.key,
                )
            compared += 1
        definition = dashboard["meta"]["definitions"]["net_revenue"]
        assert definition["metric"] == "revenue" and "net sales" in definition["description"]
    assert compared >= len(KPIS)


def test_top_campaigns_and_spend_mix_add_up_to_the_marts(
    pipeline_run: PipelineRun, period_dashboards: dict[str, dict[str, Any]]
) -> None:
    first, last = _run_days(pipeline_run)
    for workspace_id, dashboard in period_dashboards.items():
        rows = pipeline_run.read(
            "SELECT platform, campaign_id, sum(spend_workspace_currency) AS spend"
            " FROM marts.fct_ad_reporting_hourly"
            " WHERE workspace_id = :workspace_id AND workspace_date_day BETWEEN :first AND :last"
            " GROUP BY platform, campaign_id",
            {"workspace_id": workspace_id, "first": first, "last": last},
        )
        by_campaign = {row["campaign_id"]: Decimal(row["spend"]) for row in rows}
        by_provider: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            by_provider[row["platform"]] += Decimal(row["spend"])
        top = dashboard["top_campaigns"]
        assert top, workspace_id
        assert [c["campaign_id"] for c in top] == sorted(
            by_campaign, key=lambda campaign: (-by_campaign[campaign], campaign)
        )[:10]
        for campaign in top:
            assert Decimal(campaign["spend"]) == by_campaign[campaign["campaign_id"]].quantize(
                Decimal("0.01")
            )
            assert campaign["name"] and campaign["provider"]
        mix = {entry["provider"]: Decimal(entry["spend"]) for entry in dashboard["spend_mix"]}
        assert mix == {name: spend.quantize(Decimal("0.01")) for name, spend in by_provider.items()}
        assert sum(Decimal(entry["share"]) for entry in dashboard["spend_mix"]) == pytest.approx(
            Decimal(1), abs=Decimal("0.0002")
        )
        total = dashboard["chart"]["series"][-1]
        assert total["provider"] == "total"
        assert dashboard["chart"]["granularity"] == "day"
        assert sum(Decimal(point["spend"] or 0) for point in total["points"]) == sum(mix.values())


def test_attribution_and_the_providers_revenue_are_metricflows_answers(
    pipeline_run: PipelineRun,
    period_dashboards: dict[str, dict[str, Any]],
    tmp_path: Path,
) -> None:
    """The attribution section and each provider's daily revenue in the chart are what
    MetricFlow answers for those groups (the dashboard adds them up from one finer query)."""
    first, last = _run_days(pipeline_run)
    metric = DEFAULT_ATTRIBUTION_MODEL.metric("attributed_revenue")
    dimension = "attributed_performance_day__{}".format
    days = f"{{{{ TimeDimension('metric_time', 'day') }}}} between '{first}' and '{last}'"
    by_channel = query_metricflow(
        pipeline_run.settings.warehouse_url,
        tmp_path,
        (metric,),
        group_by=",".join(
            ["workspace", dimension("channel"), dimension("provider"), dimension("is_attributed")]
        ),
        where=days,
    )
    by_day = query_metricflow(
        pipeline_run.settings.warehouse_url,
        tmp_path,
        (metric,),
        group_by=f"workspace,metric_time__day,{dimension('provider')}",
        where=days,
    )
    compared = 0
    for workspace_id, dashboard in period_dashboards.items():
        rows = [row for row in by_channel if row["workspace"] == workspace_id]
        attribution = dashboard["attribution"]
        credited = {
            (row[dimension("channel")], row[dimension("provider")] or None): _cents(row[metric])
            for row in rows
            if _true(row[dimension("is_attributed")]) and row[metric]
        }
        served = {
            (channel["channel"], channel["provider"]): Decimal(channel["attributed_revenue"])
            for channel in attribution["channels"]
        }
        assert served == credited, workspace_id
        unattributed = sum(
            (
                Decimal(row[metric] or 0)
                for row in rows
                if row[dimension("is_attributed")] != "True"
            ),
            Decimal(0),
        )
        assert Decimal(attribution["unattributed_revenue"]) == unattributed.quantize(
            Decimal("0.01")
        )
        expected_days = {
            (row[dimension("provider")], row["metric_time__day"][:10]): _cents(row[metric])
            for row in by_day
            if row["workspace"] == workspace_id and row[dimension("provider")] and row[metric]
        }
        drawn = {
            (series["provider"], point["at"]): Decimal(point["revenue"])
            for series in dashboard["chart"]["series"][:-1]
            for point in series["points"]
            if point["revenue"] is not None
        }
        assert drawn == expected_days, workspace_id
        compared += len(drawn) + len(served)
    assert compared


async def test_a_provider_narrows_the_chart_and_the_spend_mix_to_its_own(
    pipeline_run: PipelineRun,
) -> None:
    first, last = _run_days(pipeline_run)
    dashboards = await _dashboards(
        pipeline_run, range="custom", provider="google_ads", **{"from": str(first), "to": str(last)}
    )
    for workspace_id, dashboard in dashboards.items():
        spend = {
            str(row["day"]): Decimal(row["spend"])
            for row in pipeline_run.read(
                "SELECT workspace_date_day AS day, sum(spend_workspace_currency) AS spend"
                " FROM marts.fct_ad_reporting_hourly WHERE workspace_id = :workspace_id"
                " AND platform = 'google_ads' AND workspace_date_day BETWEEN :first AND :last"
                " GROUP BY workspace_date_day",
                {"workspace_id": workspace_id, "first": first, "last": last},
            )
        }
        assert spend, workspace_id
        [series] = dashboard["chart"]["series"]
        assert series["provider"] == "google_ads"
        drawn = {
            point["at"]: Decimal(point["spend"]) for point in series["points"] if point["spend"]
        }
        assert drawn == {day: amount.quantize(Decimal("0.01")) for day, amount in spend.items()}
        [mix] = dashboard["spend_mix"]
        total = sum(spend.values(), Decimal(0)).quantize(Decimal("0.01"))
        assert (mix["provider"], Decimal(mix["spend"]), Decimal(mix["share"])) == (
            "google_ads",
            total,
            1,
        )


async def test_a_single_day_is_drawn_from_the_15_minute_captures(
    pipeline_run: PipelineRun,
) -> None:
    """The day's last point is the last capture's spend so far, and the total's revenue at the
    end of the day is the day's net revenue."""
    day = RUN_RANGE.start.date()
    dashboards = await _dashboards(
        pipeline_run, range="custom", **{"from": str(day), "to": str(day)}
    )
    for workspace_id, dashboard in dashboards.items():
        chart = dashboard["chart"]
        assert chart["granularity"] == "15m"
        total = chart["series"][-1]
        # A whole past day: 96 windows (92 or 100 on a daylight-saving change).
        assert len(total["points"]) in (92, 96, 100)
        ends = [datetime.fromisoformat(point["at"]) for point in total["points"]]
        assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(ends))
        latest = pipeline_run.read(
            "SELECT connection_id, max(window_end) AS window_end FROM marts.fct_metric_snapshots"
            " WHERE workspace_id = :workspace_id AND report_date = :day GROUP BY connection_id",
            {"workspace_id": workspace_id, "day": day},
        )
        expected_spend = Decimal(0)
        for capture in latest:
            expected_spend += Decimal(
                pipeline_run.read(
                    "SELECT sum(spend_day_to_date_workspace_currency) AS spend"
                    " FROM marts.fct_metric_snapshots WHERE connection_id = :connection_id"
                    " AND report_date = :day AND window_end = :window_end",
                    {**capture, "day": day},
                )[0]["spend"]
            )
        assert Decimal(total["points"][-1]["spend"] or 0) == expected_spend.quantize(
            Decimal("0.01")
        )
        assert total["points"][-1]["revenue"] == dashboard["kpis"]["net_revenue"]["value"]


async def test_the_answer_is_kept_with_its_etag_and_says_how_fresh_it_is(
    pipeline_run: PipelineRun,
) -> None:
    slug, workspace_id = next(iter(pipeline_run.workspace_ids.items()))
    headers = {"Authorization": f"Bearer {_token(pipeline_run, slug)}"}
    url = f"/v1/workspaces/{workspace_id}/dashboard"
    async with serve(pipeline_run.settings) as client:
        first = await client.get(url, params={"range": "last_30_days"}, headers=headers)
        assert first.status_code == 200, first.text
        etag = first.headers["ETag"]
        again = await client.get(
            url, params={"range": "last_30_days"}, headers={**headers, "If-None-Match": etag}
        )
        other = await client.get(
            url,
            params={"range": "last_30_days", "provider": "meta_ads"},
            headers={**headers, "If-None-Match": etag},
        )
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert other.status_code == 200 and other.headers["ETag"] != etag
    meta = first.json()["meta"]
    sources = {(source["provider"], source["source"]) for source in meta["freshness"]}
    assert {("meta_ads", "meta_ads"), ("google_ads", "google_ads")} <= sources
    # The run landed days ago: every source is behind, and the dashboard says so.
    assert meta["stale"] is True
