"""Everything Shopify brings to the code location: the orders landing asset and its checks, the
Admin API resource, and the erasure of what its privacy webhooks ask to forget (job and sensor).
The early landing its order webhooks ask for runs the ingest job, so its sensor is built where
that job is (orchestration/definitions.py)."""

from __future__ import annotations

from dagster import Definitions

from metricx.settings import Settings
from orchestration.defs.shopify.assets import shopify_orders
from orchestration.defs.shopify.redaction import (
    erase_redacted_personal_data,
    erase_shopify_personal_data,
)
from orchestration.defs.shopify.resources import ShopifyAdminApiResource
from orchestration.lib.landing_checks import build_landing_checks
from warehouse.raw_tables import SHOPIFY_ORDERS


def build_defs(settings: Settings) -> Definitions:
    orders = shopify_orders(settings.partitions_start)
    return Definitions(
        assets=[orders],
        jobs=[erase_shopify_personal_data],
        sensors=[erase_redacted_personal_data],
        asset_checks=build_landing_checks(orders.key, SHOPIFY_ORDERS, "shopify"),
        resources={
            "shopify_admin_api": ShopifyAdminApiResource(
                base_url_template=settings.shopify_admin_base_url,
                api_version=settings.shopify_api_version,
            )
        },
    )
