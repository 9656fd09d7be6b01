"""Everything the Shopify web pixel brings to the code location: the events landing asset and
its checks. It reads the API's inbox in the app database, a resource every integration shares."""

from __future__ import annotations

from dagster import Definitions

from metricx.settings import Settings
from orchestration.defs.shopify_pixel.assets import shopify_pixel_events
from orchestration.lib.landing_checks import build_landing_checks
from warehouse.raw_tables import SHOPIFY_PIXEL_EVENTS


def build_defs(settings: Settings) -> Definitions:
    events = shopify_pixel_events(settings.partitions_start)
    return Definitions(
        assets=[events],
        asset_checks=build_landing_checks(events.key, SHOPIFY_PIXEL_EVENTS, "shopify"),
    )
