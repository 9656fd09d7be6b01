"""Google Ads API connector: customer settings and hourly ad group metrics over REST."""

from orchestration.connectors.google_ads.client import GoogleAdsApiError, GoogleAdsClient
from orchestration.connectors.google_ads.oauth import GoogleOAuthError, OAuthRefresher
from orchestration.connectors.google_ads.records import GoogleAdsAdGroupHour, GoogleAdsCustomer

__all__ = [
    "GoogleAdsAdGroupHour",
    "GoogleAdsApiError",
    "GoogleAdsClient",
    "GoogleAdsCustomer",
    "GoogleOAuthError",
    "OAuthRefresher",
]
