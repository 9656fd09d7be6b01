"""What the Meta connector tests share: a settable clock, a client on the simulator, and the
world's truth in the shape the connector's records take."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from orchestration.connectors.http import RetryPolicy
from orchestration.connectors.meta_ads import MetaAdInsightHour, MetaAdsClient
from orchestration.connectors.quarantine import MalformedRow
from simulator.merchants import Merchant
from simulator.server import SimulatorServer
from simulator.world import World

# 11:30 in New York (demo-1), 17:30 in Berlin (demo-2).
NOW = datetime(2026, 8, 10, 15, 30, tzinfo=UTC)
DAY = date(2026, 8, 9)
API_VERSION = "v21.0"

InsightKey = tuple[date, str, int]


@dataclass
class Clock:
    """The world's clock, moved by the tests that need a later "now"."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def make_client(
    server: SimulatorServer,
    merchant: Merchant,
    *,
    page_size: int = 500,
    purchase_action_type: str = "omni_purchase",
    max_retries: int = 5,
    max_backoff_seconds: float = 0.05,
    sleep: Callable[[float], None] | None = None,
    timeout: float = 10.0,
    max_requests_per_account: int = 2_000,
    async_threshold_days: int = 7,
    report_poll_seconds: float = 0.001,
    report_max_polls: int = 120,
) -> MetaAdsClient:
    return MetaAdsClient(
        f"{server.base_url}/meta",
        API_VERSION,
        merchant.meta_access_token,
        timeout=timeout,
        retry=RetryPolicy(
            max_retries=max_retries,
            backoff_base_seconds=0.001,
            max_backoff_seconds=max_backoff_seconds,
            sleep=sleep if sleep is not None else (lambda _seconds: None),
        ),
        max_requests_per_account=max_requests_per_account,
        purchase_action_type=purchase_action_type,
        page_size=page_size,
        async_threshold_days=async_threshold_days,
        report_poll_seconds=report_poll_seconds,
        report_max_polls=report_max_polls,
    )


def truth(
    world: World, account_id: str, *days: date, as_of: datetime | None = None
) -> list[tuple[object, ...]]:
    """The world's rows of `days` as (day, ad, hour, spend, impressions, clicks, purchases,
    purchase value, currency), in the order the simulator serves them."""
    return [
        (
            row.local_date,
            row.ad.ad_id,
            row.hour_of_day,
            row.delivery.spend,
            row.delivery.impressions,
            row.delivery.link_clicks,
            Decimal(row.delivery.purchases),
            row.delivery.purchase_value,
            world.meta.currency(account_id, day),
        )
        for day in days
        for row in world.meta.ad_hours(account_id, day, as_of=as_of)
    ]


def observed(records: Iterable[MetaAdInsightHour]) -> list[tuple[object, ...]]:
    return [
        (
            r.date_start,
            r.ad_id,
            r.hour_of_day,
            r.spend,
            r.impressions,
            r.link_clicks,
            r.purchases,
            r.purchase_value,
            r.currency,
        )
        for r in records
    ]


def split(
    items: Iterable[MetaAdInsightHour | MalformedRow],
) -> tuple[list[MetaAdInsightHour], list[MalformedRow]]:
    records: list[MetaAdInsightHour] = []
    malformed: list[MalformedRow] = []
    for item in items:
        (malformed if isinstance(item, MalformedRow) else records).append(item)
    return records, malformed


def only_records(items: Iterable[MetaAdInsightHour | MalformedRow]) -> list[MetaAdInsightHour]:
    records, malformed = split(items)
    assert malformed == []
    return records
