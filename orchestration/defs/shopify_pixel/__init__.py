"""Shopify web pixel events: moved from the API's inbox into the warehouse per window."""

from orchestration.defs.shopify_pixel.assets import shopify_pixel_events

SHOPIFY_PIXEL_ASSETS = [shopify_pixel_events]
