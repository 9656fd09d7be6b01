"""Google Ads API connector: customer settings, hourly ad group metrics, and campaigns, ad groups
and ads with their statuses, over REST."""

from orchestration.connectors.google_ads.client import GoogleAdsApiError, GoogleAdsClient
from orchestration.connectors.google_ads.entities import EntityLevel, GoogleAdsEntity
from orchestration.connectors.google_ads.oauth import GoogleOAuthError, OAuthRefresher
from orchestration.connectors.google_ads.records import GoogleAdsAdGroupHour, GoogleAdsCustomer

__all__ = [
    "EntityLevel",
    "GoogleAdsAdGroupHour",
    "GoogleAdsApiError",
    "GoogleAdsClient",
    "GoogleAdsCustomer",
    "GoogleAdsEntity",
    "GoogleOAuthError",
    "OAuthRefresher",
]
