"""`GET /v1/workspaces/{id}/dashboard`: a merchant's whole morning page in one call."""
