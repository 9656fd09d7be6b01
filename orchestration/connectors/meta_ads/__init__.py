"""Meta Marketing API connector: ad accounts and hourly ad-level insights."""

from orchestration.connectors.meta_ads.client import MetaAdsClient, MetaApiError
from orchestration.connectors.meta_ads.records import MetaAdAccount, MetaAdInsightHour

__all__ = ["MetaAdAccount", "MetaAdInsightHour", "MetaAdsClient", "MetaApiError"]
