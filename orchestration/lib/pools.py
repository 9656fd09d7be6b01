"""Dagster pools the assets share."""

# Every writer to the warehouse runs in this pool; DuckDB deployments limit it to one slot, so
# two writers never hold the file at once.
WAREHOUSE_WRITES_POOL = "warehouse_writes"
