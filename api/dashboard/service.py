"""The one-call dashboard: every section of a merchant's morning page from the semantic layer."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from api.dashboard import schemas
from api.dashboard.breakdowns import AttributionBreakdown, Breakdowns, CampaignRow, ProviderSpend
from api.dashboard.chart import Series, daily, daily_revenue, intraday
from api.dashboard.kpis import KPIS, Kind, delta_pct, group_values, kpi_groups
from api.freshness.service import WorkspaceFreshness
from api.reporting.attribution import AttributionModel, attribution_settings
from api.reporting.dependencies import Periods
from api.reporting.periods import Period
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import SemanticLayer

CENT = Decimal("0.01")
# The sections' queries are independent, and a page waited for their sum when they ran one after
# another (about eight statements; on DuckDB most of each is binding and optimizing MetricFlow's
# SQL, which it redoes on every execution, prepared or not): they run at once, each on its own
# cursor (DuckDB) or pooled connection (PostgreSQL), one thread per core, shared by the process's
# requests. More threads than cores only contend: DuckDB's client takes the GIL back while a
# statement runs (on 2 cores, 4 threads -> 2: on DuckDB p50 -0.8 to -1.7 ms, server CPU per
# page -1 to -1.7 ms, resident memory -7 to -14 MB; on PostgreSQL p50 0 to -0.9 ms, measured).
SECTION_THREADS = os.cpu_count() or 2
_sections = ThreadPoolExecutor(SECTION_THREADS, thread_name_prefix="dashboard-section")


@dataclass(frozen=True)
class DashboardRequest:
    workspace_id: str
    currency: str
    timezone: str
    periods: Periods
    attribution_model: AttributionModel
    provider: str | None
    shop_connected: bool
    now: datetime


def build_dashboard(
    semantic_layer: SemanticLayer,
    warehouse: WarehouseReader,
    request: DashboardRequest,
    freshness: Callable[[], WorkspaceFreshness],
) -> schemas.Dashboard:
    """The dashboard; `freshness` is called on the request's thread (it reads the app database
    through the request's session, which is not to be shared across threads)."""
    periods, model, provider = request.periods, request.attribution_model, request.provider
    period = periods.current
    breakdowns = Breakdowns(
        semantic_layer, warehouse, request.workspace_id, period, model, provider
    )
    groups = kpi_groups(model, provider)

    def values(period: Period) -> list[Future[dict[str, Any]]]:
        return [
            _sections.submit(
                group_values,
                semantic_layer,
                warehouse,
                request.workspace_id,
                period,
                group,
                provider,
            )
            for group in groups
        ]

    # The longest tasks first (a day's chart is two statements; the KPIs and the campaigns'
    # delivery are the largest), so no thread is left with a long one while the others idle.
    single_day = period.length == 1
    drawn = (
        _sections.submit(
            intraday,
            semantic_layer,
            warehouse,
            request.workspace_id,
            period.start,
            request.timezone,
            provider,
            request.now,
        )
        if single_day
        else None
    )
    current = values(period)
    previous = values(periods.previous) if periods.previous else []
    delivery = _sections.submit(breakdowns.campaign_delivery)
    spend = _sections.submit(breakdowns.spend_by_day)
    # Attributed revenue draws the daily chart's provider series and the attribution section.
    attributed = (
        _sections.submit(breakdowns.attributed_by_day)
        if request.shop_connected or not single_day
        else None
    )
    revenue = (
        _sections.submit(daily_revenue, semantic_layer, warehouse, request.workspace_id, period)
        if not single_day and provider is None
        else None
    )
    entities = _sections.submit(breakdowns.campaign_entities)
    sources = freshness()
    spend_by_day = spend.result()
    attributed_by_day = attributed.result() if attributed else []
    series = (
        drawn.result()
        if drawn
        else daily(
            semantic_layer,
            period,
            model,
            provider,
            spend_by_day=spend_by_day,
            attributed_by_day=attributed_by_day,
            revenue_by_day=revenue.result() if revenue else None,
        )
    )
    return _dashboard(
        semantic_layer,
        request,
        sources,
        current=_merged(current),
        previous=_merged(previous),
        drawn=("15m" if single_day else "day", series),
        top_campaigns=breakdowns.top_campaigns(delivery.result(), entities.result()),
        spend_mix=breakdowns.spend_mix(spend_by_day),
        attribution=breakdowns.attribution(attributed_by_day) if request.shop_connected else None,
    )


def _merged(groups: list[Future[dict[str, Any]]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for group in groups:
        values.update(group.result())
    return values


def _dashboard(
    semantic_layer: SemanticLayer,
    request: DashboardRequest,
    freshness: WorkspaceFreshness,
    *,
    current: dict[str, Any],
    previous: dict[str, Any],
    drawn: tuple[str, list[Series]],
    top_campaigns: list[CampaignRow],
    spend_mix: list[ProviderSpend],
    attribution: AttributionBreakdown | None,
) -> schemas.Dashboard:
    periods, model = request.periods, request.attribution_model
    granularity, series = drawn
    return schemas.Dashboard(
        kpis=schemas.Kpis(
            **{kpi.key: _kpi(kpi.kind, current.get(kpi.key), previous.get(kpi.key)) for kpi in KPIS}
        ),
        chart=schemas.Chart(
            granularity=granularity,
            series=[
                schemas.ChartSeries(
                    provider=line.provider,
                    points=[
                        schemas.ChartPoint(
                            at=point.at, spend=_cents(point.spend), revenue=_cents(point.revenue)
                        )
                        for point in line.points
                    ],
                )
                for line in series
            ],
        ),
        top_campaigns=[
            schemas.TopCampaign(
                **{
                    **asdict(campaign),
                    "spend": _cents(campaign.spend),
                    "attributed_revenue": _cents(campaign.attributed_revenue),
                }
            )
            for campaign in top_campaigns
        ],
        spend_mix=[
            schemas.ProviderSpendOut(
                provider=mix.provider, spend=_cents(mix.spend) or Decimal(0), share=mix.share
            )
            for mix in spend_mix
        ],
        attribution=schemas.AttributionOut(
            channels=[
                schemas.ChannelRevenueOut(
                    channel=channel.channel,
                    provider=channel.provider,
                    attributed_revenue=_cents(channel.attributed_revenue) or Decimal(0),
                )
                for channel in attribution.channels
            ],
            unattributed_revenue=_cents(attribution.unattributed_revenue) or Decimal(0),
            attribution_rate=attribution.attribution_rate,
        )
        if attribution
        else None,
        meta=schemas.DashboardMeta(
            currency=request.currency,
            timezone=request.timezone,
            range=periods.report_range,
            period=schemas.PeriodOut(start=periods.current.start, end=periods.current.end),
            previous_period=schemas.PeriodOut(
                start=periods.previous.start, end=periods.previous.end
            )
            if periods.previous
            else None,
            attribution_model=model,
            attribution_lookback_days=attribution_settings().lookback_days,
            provider=request.provider,
            freshness=[schemas.SourceFreshnessOut.of(source) for source in freshness.sources],
            stale=freshness.stale,
            definitions={
                kpi.key: _definition(semantic_layer, kpi.metric_for(model)) for kpi in KPIS
            },
        ),
    )


def _kpi(kind: Kind, value: Any, previous: Any) -> Any:
    if kind is Kind.RATIO:
        current_ratio, previous_ratio = _ratio(value), _ratio(previous)
        return schemas.RatioKpi(
            value=current_ratio,
            previous=previous_ratio,
            delta_pct=delta_pct(_decimal(current_ratio), _decimal(previous_ratio)),
        )
    current_amount = _cents(value) if kind is Kind.MONEY else _decimal(value)
    previous_amount = _cents(previous) if kind is Kind.MONEY else _decimal(previous)
    change = delta_pct(current_amount, previous_amount)
    if kind is Kind.COUNT:
        return schemas.CountKpi(
            value=_whole(current_amount), previous=_whole(previous_amount), delta_pct=change
        )
    model = schemas.MoneyKpi if kind is Kind.MONEY else schemas.QuantityKpi
    return model(value=current_amount, previous=previous_amount, delta_pct=change)


def _definition(semantic_layer: SemanticLayer, metric: str) -> schemas.Definition:
    definition = semantic_layer.metrics[metric]
    return schemas.Definition(
        metric=definition.name,
        label=definition.label,
        formula=definition.formula,
        description=definition.description,
    )


def _decimal(value: Any) -> Decimal | None:
    # str() first: a float backend type must not leak binary noise into money.
    return None if value is None else Decimal(str(value))


def _cents(value: Any) -> Decimal | None:
    amount = _decimal(value)
    return None if amount is None else amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _whole(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


def _ratio(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)
