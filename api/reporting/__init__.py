"""What the reporting routes (dashboard, campaigns, metrics) share: the merchant's periods."""
