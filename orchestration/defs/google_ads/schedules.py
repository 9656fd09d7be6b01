"""Google Ads' own schedule: re-landing the conversion window's days, whose conversions keep
changing."""

from __future__ import annotations

from dagster import AssetKey, ScheduleDefinition

from orchestration.defs.google_ads.assets import GoogleAdsLandingConfig
from orchestration.lib.restatement import build_restatement_schedule

# At night for most merchants, a quarter of an hour after Meta's (03:30): one writer at a time
# lands the warehouse, so the two would take turns anyway.
GOOGLE_ADS_RESTATEMENT_CRON = "45 3 * * *"


def build_google_ads_restatement(
    ad_group_hours_key: AssetKey, restatement_days: int
) -> ScheduleDefinition:
    return build_restatement_schedule(
        ad_group_hours_key,
        GoogleAdsLandingConfig,
        restatement_days,
        name="google_ads_restatement",
        cron=GOOGLE_ADS_RESTATEMENT_CRON,
        description=f"Re-land the last {restatement_days} days of Google Ads ad group metrics, "
        "whose conversions Google keeps counting and restating for the conversion window "
        "(METRICX_GOOGLE_ADS_RESTATEMENT_DAYS).",
    )
