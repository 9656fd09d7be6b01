"""How the Shopify ingestion reaches the Admin API: each shop's own host in production, the
simulator in the demo and the tests — same client, different base URL template."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import ConfigurableResource

from orchestration.connectors.http import RetryPolicy
from orchestration.connectors.shopify.client import ShopifyAdminClient
from orchestration.lib.resources import SyncTarget


class ShopifyAdminApiResource(ConfigurableResource):
    base_url_template: str  # "https://{shop}"
    api_version: str
    max_backoff_seconds: float = 60.0
    # A run of this many windows or more (a backfill, a catch-up) reads through one bulk
    # operation per shop instead of paging: paged queries drain the cost bucket after a few pages.
    bulk_from_windows: int = 8
    bulk_poll_seconds: float = 10.0
    # Shopify builds an order's customer journey minutes after the order, without updating the
    # order: every run reads this many windows before its first again, so the orders landed
    # while their journey was still being built are landed again with it.
    journey_lookback_windows: int = 1

    @contextmanager
    def client(self, target: SyncTarget) -> Iterator[ShopifyAdminClient]:
        """A client acting for one shop, its HTTP connections closed when the block ends."""
        with ShopifyAdminClient(
            self.base_url_template,
            self.api_version,
            target.external_account_id,
            target.credentials["access_token"],
            retry=RetryPolicy(max_backoff_seconds=self.max_backoff_seconds),
            bulk_poll_seconds=self.bulk_poll_seconds,
        ) as client:
            yield client
