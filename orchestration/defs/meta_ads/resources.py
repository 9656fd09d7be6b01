"""How the Meta ingestion reaches the Graph API: the real host in production, the simulator in
the demo and the tests — same client, different base URL."""

from __future__ import annotations

from dagster import ConfigurableResource

from orchestration.connectors.meta_ads.client import MetaAdsClient


class MetaAdsApiResource(ConfigurableResource):
    base_url: str
    api_version: str
    max_backoff_seconds: float = 60.0

    def client(self, access_token: str, *, purchase_action_type: str) -> MetaAdsClient:
        return MetaAdsClient(
            self.base_url,
            self.api_version,
            access_token,
            max_backoff_seconds=self.max_backoff_seconds,
            purchase_action_type=purchase_action_type,
        )
