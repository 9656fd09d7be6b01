"""Shopify, simulated: the shops' visitors, customers, orders and pixel events; the Admin API."""
