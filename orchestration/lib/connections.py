"""The one path every landing asset runs: each active connection of a provider synced into the
warehouse, in parallel, one outcome each, and the run's result from the outcomes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from dagster import AssetExecutionContext, MaterializeResult

from metricx.logs import log_context
from orchestration.lib.outcomes import ConnectionOutcome, landing_result
from orchestration.lib.resources import AppDatabaseResource, SyncTarget, WarehouseResource
from orchestration.lib.windows import Window
from warehouse.connection import Warehouse

# Requests in flight at once; each connection is one sequential request series.
MAX_CONCURRENT_CONNECTIONS = 8
# A run tagged with a connection id lands that connection only (an early landing asked for by
# one shop's order webhook: the other connections' windows wait for the schedule).
CONNECTION_TAG = "metricx/connection"

ConnectionSync = Callable[[SyncTarget, Warehouse], ConnectionOutcome]


def land_every_connection(
    context: AssetExecutionContext,
    source_label: str,
    windows: Sequence[Window],
    *,
    provider: str,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
    sync_one: ConnectionSync,
    max_concurrency: int = MAX_CONCURRENT_CONNECTIONS,
    **run_metadata: object,
) -> MaterializeResult:
    """Sync every active `provider` connection into one open warehouse, then turn the outcomes
    into the run's result (`landing_result`: which failures fail the run). A sync that raises
    (stored credentials or settings unusable) becomes that connection's failed outcome and never
    stops the others."""
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

        targets = app_database.sync_targets(provider)
        only = context.run.tags.get(CONNECTION_TAG)
        if only is not None:
            targets = [target for target in targets if target.connection_id == only]
        with ThreadPoolExecutor(max_workers=max_concurrency) as pool:
            outcomes = list(pool.map(run, targets))
    # Synced no more until the merchant reconnects (the API shows them so); the reconnect asks
    # for the windows missed from this run's first on (orchestration/sensors.py).
    app_database.mark_needs_reconnect(
        [outcome.connection_id for outcome in outcomes if outcome.needs_reconnect],
        since=min(window.start for window in windows),
    )
    # The others the run retries; the merchant sees them in error meanwhile.
    app_database.record_sync_results(
        failed=[o.connection_id for o in outcomes if o.error and not o.needs_reconnect],
        succeeded=[o.connection_id for o in outcomes if not o.error],
        at=datetime.now(UTC),
    )
    return landing_result(context, source_label, windows, outcomes, **run_metadata)
