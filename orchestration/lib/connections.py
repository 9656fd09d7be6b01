"""The one loop every landing asset runs: each active connection of a provider synced into the
warehouse, in parallel, one outcome each."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from metricx.logs import log_context
from orchestration.lib.outcomes import ConnectionOutcome
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from warehouse.connection import Warehouse

# Requests in flight at once; each connection is one sequential request series.
MAX_CONCURRENT_CONNECTIONS = 8

ConnectionSync = Callable[[SyncTarget, Warehouse], ConnectionOutcome]


def sync_connections(
    provider: str,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    sync_one: ConnectionSync,
    *,
    max_concurrency: int = MAX_CONCURRENT_CONNECTIONS,
) -> list[ConnectionOutcome]:
    """Each active `provider` connection's outcome, in connection order, landed in one open
    warehouse. A sync that raises (stored credentials or settings unusable) becomes that
    connection's failed outcome and never stops the others."""
    with warehouse.open() as landing:
        landing.ensure_raw_schema()

        def run(target: SyncTarget) -> ConnectionOutcome:
            try:
                # Whatever the connectors log while syncing says which merchant's connection
                # it was.
                with log_context(connection=target.connection_id):
                    return sync_one(target, landing)
            except Exception as exc:
                outcome = ConnectionOutcome.of(target)
                outcome.fail(exc)
                return outcome

        with ThreadPoolExecutor(max_workers=max_concurrency) as pool:
            return list(pool.map(run, app_database.sync_targets(provider)))
