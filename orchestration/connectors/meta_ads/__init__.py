"""Meta Marketing API connector: ad accounts, hourly ad-level insights, campaigns, ad sets, ads."""

from orchestration.connectors.meta_ads.client import (
    MetaAdsClient,
    MetaApiError,
    MetaReportRunError,
    MetaTokenError,
)
from orchestration.connectors.meta_ads.entities import EntityLevel, MetaEntity
from orchestration.connectors.meta_ads.records import MetaAdAccount, MetaAdInsightHour

__all__ = [
    "EntityLevel",
    "MetaAdAccount",
    "MetaAdInsightHour",
    "MetaAdsClient",
    "MetaApiError",
    "MetaEntity",
    "MetaReportRunError",
    "MetaTokenError",
]
