"""Meta's own schedule: re-landing the attribution window's days, whose purchases keep coming."""

from __future__ import annotations

from dagster import AssetKey, ScheduleDefinition

from orchestration.defs.meta_ads.assets import MetaAdsInsightsConfig
from orchestration.lib.restatement import build_restatement_schedule

META_RESTATEMENT_CRON = "30 3 * * *"


def build_meta_restatement(insights_key: AssetKey, restatement_days: int) -> ScheduleDefinition:
    return build_restatement_schedule(
        insights_key,
        MetaAdsInsightsConfig,
        restatement_days,
        name="meta_restatement",
        cron=META_RESTATEMENT_CRON,
        description=f"Re-land the last {restatement_days} days of Meta insights, which keep "
        "gaining late-attributed purchases (METRICX_META_ADS_RESTATEMENT_DAYS).",
    )
