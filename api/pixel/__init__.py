"""Intake of storefront events from merchants' Shopify web pixels."""
