"""Everything Meta Ads brings to the code location: its landing assets and their checks, the
Graph API resource and the restatement schedule."""

from __future__ import annotations

from dagster import Definitions

from metricx.settings import Settings
from orchestration.defs.meta_ads.assets import meta_ads_entities, meta_ads_insights_hourly
from orchestration.defs.meta_ads.resources import MetaAdsApiResource
from orchestration.defs.meta_ads.schedules import build_meta_restatement
from orchestration.lib.landing_checks import build_landing_checks
from warehouse.raw_tables import META_ADS_ENTITIES, META_ADS_INSIGHTS_HOURLY


def build_defs(settings: Settings) -> Definitions:
    insights = meta_ads_insights_hourly(settings.partitions_start)
    entities = meta_ads_entities(settings.partitions_start)
    return Definitions(
        assets=[insights, entities],
        asset_checks=[
            *build_landing_checks(insights.key, META_ADS_INSIGHTS_HOURLY, "meta_ads"),
            # Meta tells only the current state: entities land in the run's last window alone.
            *build_landing_checks(
                entities.key, META_ADS_ENTITIES, "meta_ads", last_window_only=True
            ),
        ],
        schedules=[build_meta_restatement(insights.key, settings.meta_ads_restatement_days)],
        resources={
            "meta_ads_api": MetaAdsApiResource(
                base_url=settings.meta_api_base_url, api_version=settings.meta_api_version
            )
        },
    )
