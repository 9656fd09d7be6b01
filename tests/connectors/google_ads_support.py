"""What the Google Ads connector tests share: a settable clock, and a client on the simulator
with retries that record their waits instead of sleeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from orchestration.connectors.google_ads import GoogleAdsClient, OAuthRefresher
from orchestration.connectors.http import RequestBudget, RetryPolicy
from simulator.merchants import Merchant
from simulator.server import SimulatorServer

# 11:30 in New York (demo-1), 17:30 in Berlin (demo-2).
NOW = datetime(2026, 8, 10, 15, 30, tzinfo=UTC)
DAY = date(2026, 8, 5)  # every conversion of it has arrived by NOW
API_VERSION = "v18"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakeMonotonic:
    """The refresher's clock, moved by hand."""

    seconds: float = 1_000.0

    def __call__(self) -> float:
        return self.seconds


@dataclass
class Connection:
    client: GoogleAdsClient
    credentials: OAuthRefresher
    sleeps: list[float]


def connect(
    server: SimulatorServer,
    merchant: Merchant,
    *,
    developer_token: str = "sim-developer-token",
    refresh_token: str | None = None,
    base_url: str | None = None,
    max_retries: int = 5,
    max_backoff_seconds: float = 60.0,
    budget: RequestBudget | None = None,
    refresher_clock: FakeMonotonic | None = None,
    timeout: float = 10.0,
) -> Connection:
    sleeps: list[float] = []
    retry = RetryPolicy(
        max_retries=max_retries,
        backoff_base_seconds=0.001,
        max_backoff_seconds=max_backoff_seconds,
        sleep=sleeps.append,
    )
    credentials = OAuthRefresher(
        f"{server.base_url}/google-oauth/token",
        "sim-client-id",
        "sim-client-secret",
        refresh_token or merchant.google_refresh_token,
        retry=retry,
        clock=refresher_clock or FakeMonotonic(),
    )
    client = GoogleAdsClient(
        base_url or f"{server.base_url}/google-ads",
        API_VERSION,
        developer_token,
        credentials,
        retry=retry,
        budget=budget,
        timeout=timeout,
    )
    return Connection(client, credentials, sleeps)
