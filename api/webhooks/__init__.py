"""Webhooks metricx receives: Clerk's user events (through Svix) and Shopify's shop events."""
