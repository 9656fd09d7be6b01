"""Everything Google Ads brings to the code location: its landing assets and their checks, the
Google Ads API resource and the restatement schedule."""

from __future__ import annotations

from dagster import Definitions

from metricx.settings import Settings
from orchestration.defs.google_ads.assets import google_ads_ad_group_hourly, google_ads_entities
from orchestration.defs.google_ads.resources import GoogleAdsApiResource
from orchestration.defs.google_ads.schedules import build_google_ads_restatement
from orchestration.lib.landing_checks import build_landing_checks
from orchestration.lib.resources import from_environment
from warehouse.raw_tables import GOOGLE_ADS_AD_GROUP_HOURLY, GOOGLE_ADS_ENTITIES


def build_defs(settings: Settings) -> Definitions:
    ad_group_hours = google_ads_ad_group_hourly(settings.partitions_start)
    entities = google_ads_entities(settings.partitions_start)
    return Definitions(
        assets=[ad_group_hours, entities],
        asset_checks=[
            *build_landing_checks(ad_group_hours.key, GOOGLE_ADS_AD_GROUP_HOURLY, "google_ads"),
            # Google's listings tell only the current state: entities land in the run's last
            # window alone.
            *build_landing_checks(
                entities.key, GOOGLE_ADS_ENTITIES, "google_ads", last_window_only=True
            ),
        ],
        schedules=[
            build_google_ads_restatement(ad_group_hours.key, settings.google_ads_restatement_days)
        ],
        resources={
            "google_ads_api": GoogleAdsApiResource(
                base_url=settings.google_ads_api_base_url,
                api_version=settings.google_ads_api_version,
                developer_token=from_environment(
                    settings.google_ads_developer_token, "METRICX_GOOGLE_ADS_DEVELOPER_TOKEN"
                ),
                oauth_token_url=settings.google_oauth_token_url,
                oauth_client_id=settings.google_oauth_client_id,
                oauth_client_secret=from_environment(
                    settings.google_oauth_client_secret, "METRICX_GOOGLE_OAUTH_CLIENT_SECRET"
                ),
            )
        },
    )
