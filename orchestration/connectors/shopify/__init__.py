"""Shopify Admin API connector: orders changed in a time range, paged or as a bulk operation."""

from orchestration.connectors.shopify.client import ShopifyAdminClient, ShopifyApiError
from orchestration.connectors.shopify.records import (
    ShopifyLineItem,
    ShopifyOrder,
    ShopifyRefund,
    ShopifyVisit,
)

__all__ = [
    "ShopifyAdminClient",
    "ShopifyApiError",
    "ShopifyLineItem",
    "ShopifyOrder",
    "ShopifyRefund",
    "ShopifyVisit",
]
