"""Every landing asset and its checks, for the code location to load in one place."""

from __future__ import annotations

from dagster import AssetChecksDefinition, AssetsDefinition

from orchestration.defs.google_ads.assets import google_ads_ad_group_hourly
from orchestration.defs.meta_ads.assets import meta_ads_entities, meta_ads_insights_hourly
from orchestration.defs.shopify.assets import shopify_orders
from orchestration.defs.shopify_pixel.assets import shopify_pixel_events
from orchestration.lib.landing_checks import build_landing_checks
from warehouse.raw_tables import (
    GOOGLE_ADS_AD_GROUP_HOURLY,
    META_ADS_ENTITIES,
    META_ADS_INSIGHTS_HOURLY,
    SHOPIFY_ORDERS,
    SHOPIFY_PIXEL_EVENTS,
)

LANDING_ASSETS: list[AssetsDefinition] = [
    meta_ads_insights_hourly,
    meta_ads_entities,
    google_ads_ad_group_hourly,
    shopify_orders,
    shopify_pixel_events,
]

LANDING_CHECKS: list[AssetChecksDefinition] = [
    *build_landing_checks(meta_ads_insights_hourly.key, META_ADS_INSIGHTS_HOURLY, "meta_ads"),
    # Meta tells only the current state: entities land in the run's last window alone.
    *build_landing_checks(
        meta_ads_entities.key, META_ADS_ENTITIES, "meta_ads", last_window_only=True
    ),
    *build_landing_checks(google_ads_ad_group_hourly.key, GOOGLE_ADS_AD_GROUP_HOURLY, "google_ads"),
    *build_landing_checks(shopify_orders.key, SHOPIFY_ORDERS, "shopify"),
    *build_landing_checks(shopify_pixel_events.key, SHOPIFY_PIXEL_EVENTS, "shopify"),
]
