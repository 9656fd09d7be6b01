"""How the Google Ads ingestion reaches the API: the real hosts in production, the simulator in
the demo and the tests — same client, different base URLs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from dagster import ConfigurableResource

from orchestration.connectors.google_ads.client import GoogleAdsClient
from orchestration.connectors.google_ads.oauth import OAuthRefresher
from orchestration.connectors.http import RetryPolicy
from orchestration.lib.resources import SyncTarget


class GoogleAdsApiResource(ConfigurableResource):
    base_url: str
    api_version: str
    developer_token: str
    oauth_token_url: str
    oauth_client_id: str
    oauth_client_secret: str
    max_backoff_seconds: float = 60.0

    @contextmanager
    def client(self, target: SyncTarget) -> Iterator[GoogleAdsClient]:
        """A client acting for one connection, its HTTP connections closed when the block ends."""
        retry = RetryPolicy(max_backoff_seconds=self.max_backoff_seconds)
        with httpx.Client() as http:
            credentials = OAuthRefresher(
                self.oauth_token_url,
                self.oauth_client_id,
                self.oauth_client_secret,
                target.credentials["refresh_token"],
                http=http,
                retry=retry,
            )
            yield GoogleAdsClient(
                self.base_url,
                self.api_version,
                self.developer_token,
                credentials,
                login_customer_id=target.settings.get("login_customer_id"),
                http=http,
                retry=retry,
            )
