"""Shopify web pixel events: moved from the API's inbox into the warehouse per window."""
