"""How the Meta ingestion reaches the Graph API: the real host in production, the simulator in
the demo and the tests — same client, different base URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import ConfigurableResource

from orchestration.connectors.http import RetryPolicy
from orchestration.connectors.meta_ads.client import DEFAULT_PURCHASE_ACTION_TYPE, MetaAdsClient
from orchestration.lib.resources import SyncTarget


class MetaAdsApiResource(ConfigurableResource):
    base_url: str
    api_version: str
    timeout_seconds: float = 30.0
    max_retries: int = 5
    # Longer waits than this (a throttle announcing minutes) end the connection's sync instead;
    # the next run continues.
    max_backoff_seconds: float = 60.0
    max_requests_per_account: int = 2_000
    # Live runs read up to three days (today and the restated lookback) synchronously; backfill
    # spans of more go through async report runs, as Meta recommends for large results.
    async_threshold_days: int = 3
    report_poll_seconds: float = 5.0

    @contextmanager
    def client(self, target: SyncTarget) -> Iterator[MetaAdsClient]:
        """A client acting for one connection, its HTTP connections closed when the block ends."""
        with MetaAdsClient(
            self.base_url,
            self.api_version,
            target.credentials["access_token"],
            timeout=self.timeout_seconds,
            retry=RetryPolicy(
                max_retries=self.max_retries, max_backoff_seconds=self.max_backoff_seconds
            ),
            max_requests_per_account=self.max_requests_per_account,
            purchase_action_type=target.settings.get(
                "purchase_action_type", DEFAULT_PURCHASE_ACTION_TYPE
            ),
            async_threshold_days=self.async_threshold_days,
            report_poll_seconds=self.report_poll_seconds,
        ) as client:
            yield client
