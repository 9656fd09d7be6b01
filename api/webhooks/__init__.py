"""Webhooks metricx receives: Clerk's user events (through Svix)."""
