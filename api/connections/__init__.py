"""A workspace's connections to Meta, Google Ads and Shopify: OAuth onboarding, listing,
disconnecting and reconnecting."""
