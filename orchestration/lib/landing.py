"""What every landing asset shares: the asset arguments, syncing each connection in parallel,
one outcome per connection, and turning the outcomes into the run's result.

No `from __future__ import annotations` here: `landing_asset` hands Dagster functions whose
annotations it reads at definition time.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from metricx.logs import log_context
from orchestration.connectors.http import ReconnectRequired, SyncUsage
from orchestration.connectors.quarantine import MalformedRow
from orchestration.lib.freshness import LANDING_FRESHNESS
from orchestration.lib.resources import SyncTarget
from orchestration.lib.windows import WINDOW, Window, windows_between
from orchestration.partitions import fifteen_minute_partitions
from warehouse.connection import Slice, Warehouse
from warehouse.raw_tables import RawTable

# Every writer to the warehouse runs in this pool; DuckDB deployments limit it to one slot, so
# two writers never hold the file at once.
WAREHOUSE_WRITES_POOL = "warehouse_writes"
# Requests in flight at once; each connection is one sequential request series.
MAX_CONCURRENT_CONNECTIONS = 8
# Ad platforms keep attributing conversions to past clicks for days; most arrive within two.
DEFAULT_RESTATEMENT_DAYS = 2
# Conversions trickle in over days: restating once an hour keeps them fresh at a quarter of the
# API calls and rows restating every 15-minute run would cost. Meta and Google both follow it.
DEFAULT_RESTATEMENT_EVERY_MINUTES = 60


@dataclass
class ConnectionOutcome:
    """What one connection's sync did in a run, whatever the source."""

    connection_id: str
    workspace_id: str
    account_id: str  # the ad account, customer or shop domain on the platform
    slices: int = 0  # slices landed: the run's windows, plus restated days' closing windows
    rows: int = 0
    quarantined: int = 0
    restated_days: int = 0
    requests: int = 0
    pages: int = 0
    retries: int = 0
    error: str | None = None
    # The platform refused the merchant's credentials: only the merchant reconnecting fixes it,
    # retrying the run cannot.
    needs_reconnect: bool = False

    @classmethod
    def of(cls, target: SyncTarget) -> "ConnectionOutcome":
        return cls(target.connection_id, target.workspace_id, target.external_account_id)

    def fail(self, exc: Exception) -> None:
        self.needs_reconnect = isinstance(exc, ReconnectRequired)
        # A reconnect message already says what happened and what to do; others need the type.
        self.error = str(exc) if self.needs_reconnect else f"{type(exc).__name__}: {exc}"

    def record_usage(self, usage: SyncUsage) -> None:
        self.requests, self.pages, self.retries = usage.requests, usage.pages, usage.retries

    def as_metadata(self) -> dict[str, object]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@contextmanager
def recorded(outcome: ConnectionOutcome, usage: SyncUsage) -> Iterator[None]:
    """Record a failure and what the sync cost in `outcome` instead of raising: one merchant's
    failure must not stop the others' sync."""
    try:
        yield
    except Exception as exc:
        outcome.fail(exc)
    finally:
        outcome.record_usage(usage)


def run_windows(context: AssetExecutionContext) -> list[Window]:
    time_window = context.partition_time_window
    return list(windows_between(time_window.start, time_window.end))


def sync_every_connection(
    targets: Sequence[SyncTarget],
    sync_one: Callable[[SyncTarget], ConnectionOutcome],
    max_concurrency: int = MAX_CONCURRENT_CONNECTIONS,
) -> list[ConnectionOutcome]:
    """Each target's outcome, in target order; a sync that raises (stored credentials or settings
    unusable) becomes that connection's failed outcome and never stops the others."""

    def run(target: SyncTarget) -> ConnectionOutcome:
        try:
            # Whatever the connectors log while syncing says which merchant's connection it was.
            with log_context(connection=target.connection_id):
                return sync_one(target)
        except Exception as exc:
            outcome = ConnectionOutcome.of(target)
            outcome.fail(exc)
            return outcome

    with ThreadPoolExecutor(max_workers=max_concurrency) as pool:
        return list(pool.map(run, targets))


def landing_result(
    context: AssetExecutionContext,
    source_label: str,
    windows: Sequence[Window],
    outcomes: Sequence[ConnectionOutcome],
    **extra_metadata: Any,
) -> MaterializeResult:
    """The run's materialization, or a Failure when a connection failed in a way a retry can fix.

    A connection needing reconnect fails alone and does not fail the run: a retry cannot fix it,
    and failing would hold back every other merchant's models until the merchant reconnects.
    Its windows are filled by re-running them once it has; the `every_active_connection_landed`
    check is what turns red meanwhile.
    """
    failed = [outcome for outcome in outcomes if outcome.error]
    reconnect = [outcome for outcome in failed if outcome.needs_reconnect]
    metadata: dict[str, Any] = {
        "windows": len(windows),
        **extra_metadata,
        "connections": len(outcomes),
        "failed_connections": len(failed),
        "connections_needing_reconnect": MetadataValue.json(
            [outcome.connection_id for outcome in reconnect]
        ),
        "rows_landed": sum(outcome.rows for outcome in outcomes),
        "rows_quarantined": sum(outcome.quarantined for outcome in outcomes),
        "requests": sum(outcome.requests for outcome in outcomes),
        "retries": sum(outcome.retries for outcome in outcomes),
        "outcomes": MetadataValue.json([outcome.as_metadata() for outcome in outcomes]),
    }
    for outcome in failed:
        context.log.error(
            f"{source_label} sync failed for connection {outcome.connection_id} "
            f"(account {outcome.account_id}): {outcome.error}",
            extra={"connection": outcome.connection_id},
        )
    retryable = len(failed) - len(reconnect)
    if retryable:
        # The healthy connections' slices are committed; failing the run marks these windows
        # for a retry, which re-syncs every connection and replaces their slices exactly.
        raise Failure(
            description=f"{retryable} of {len(outcomes)} {source_label} connections failed to sync",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)


def landing_asset(
    table: RawTable,
    *,
    group: str,
    kinds: set[str],
    description: str,
    config_cls: type[Config] | None = None,
) -> Callable[[Callable[..., MaterializeResult]], AssetsDefinition]:
    """`@asset` with what every landing asset shares: keyed `raw/<table>`, partitioned by 15-minute
    window, one run per backfill range (so a connector reads each day once), in the warehouse
    writers' pool, late in the UI when a tick did not land (`LANDING_FRESHNESS`).

    `config_cls` is only checked to be the body's config annotation: Dagster reads the config
    class from the function itself.
    """

    def decorate(body: Callable[..., MaterializeResult]) -> AssetsDefinition:
        annotated = body.__annotations__.get("config")
        if config_cls is not None and annotated is not config_cls:
            raise TypeError(f"{body.__name__} must take `config: {config_cls.__name__}`")
        return asset(
            key=AssetKey(["raw", table.name]),
            partitions_def=fifteen_minute_partitions(),
            backfill_policy=BackfillPolicy.single_run(),
            pool=WAREHOUSE_WRITES_POOL,
            freshness_policy=LANDING_FRESHNESS,
            group_name=group,
            kinds=kinds,
            description=description,
        )(body)

    return decorate


# -- captures of an ad platform's account-local days -------------------------------------------


class RestatementConfig(Config):
    """How a run lands past days again, as the platform restates their conversions."""

    restatement_days: int = Field(
        default=DEFAULT_RESTATEMENT_DAYS,
        ge=0,
        description="Account-local days before the last window's day that a restating run lands "
        "again, whole, in their closing windows, so conversions attributed late reach the marts.",
    )
    restatement_every_minutes: int = Field(
        default=DEFAULT_RESTATEMENT_EVERY_MINUTES,
        description="Runs whose last window starts a multiple of this after UTC midnight "
        "restate; 15 restates on every run.",
    )

    def days_to_restate(self, windows: Sequence[Window]) -> int:
        due = restatement_due(max(windows), self.restatement_every_minutes)
        return self.restatement_days if due else 0


@dataclass(frozen=True, order=True)
class Capture:
    """A slice to land: the account-local day `day` up to local hour `hour`, in `window`."""

    window: Window
    day: date
    hour: int

    @classmethod
    def of(cls, window: Window, timezone: str) -> "Capture":
        return cls(window, *window.local_day_and_hour(timezone))


def restatement_due(last_window: Window, every_minutes: int) -> bool:
    """Whether a run ending with `last_window` restates: on windows starting a multiple of
    `every_minutes` after UTC midnight."""
    if every_minutes <= 0 or every_minutes % (WINDOW // timedelta(minutes=1)):
        raise ValueError(f"restatement cadence {every_minutes} is not a multiple of 15 minutes")
    start = last_window.start.astimezone(UTC)
    return (start.hour * 60 + start.minute) % every_minutes == 0


def day_captures(
    windows: Sequence[Window], timezone: str, restatement_days: int
) -> tuple[list[Capture], int]:
    """The captures a run lands, in order, and how many of them restate a past day.

    One capture per window: the account-local day so far, up to the hour the window starts in.
    Each of the `restatement_days` days before the last window's day is captured again, whole,
    in its own closing window (local 23:45): exactly what re-running that window would land, so
    one capture always holds one day, and the latest capture of a day is the truth downstream.
    """
    captures = {Capture.of(window, timezone) for window in windows}
    last_day = max(captures).day
    restated = {
        Capture.of(closing_window(last_day - timedelta(days=back), timezone), timezone)
        for back in range(1, restatement_days + 1)
    }
    return sorted(captures | restated), len(restated)


def closing_window(day: date, timezone: str) -> Window:
    """The last 15-minute window of an account-local day."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))
    end = end.astimezone(UTC)
    return Window(end - WINDOW, end)


# -- landing what a connection's run read ------------------------------------------------------


def land_captures(
    warehouse: Warehouse,
    table: RawTable,
    target: SyncTarget,
    outcome: ConnectionOutcome,
    rows_by_capture: Mapping[Capture, list[tuple[object, ...]]],
    malformed: Sequence[MalformedRow],
) -> None:
    """One slice per capture, all in one transaction. Rows that did not parse may belong to any
    of the captured days: they are kept once, with the latest capture."""
    latest = max(rows_by_capture)
    land_window_slices(
        warehouse,
        table,
        target,
        outcome,
        {capture.window: rows for capture, rows in rows_by_capture.items()},
        {latest.window: [(bad.reason, bad.payload) for bad in malformed]},
    )


def land_window_slices(
    warehouse: Warehouse,
    table: RawTable,
    target: SyncTarget,
    outcome: ConnectionOutcome,
    rows: Mapping[Window, list[tuple[object, ...]]],
    quarantined: Mapping[Window, list[tuple[str, str]]],
) -> None:
    """Replace the slices of `rows`' windows (each with its quarantined rows) in one go."""
    outcome.rows += warehouse.replace_slices(
        table,
        workspace_id=target.workspace_id,
        connection_id=target.connection_id,
        landed_at=datetime.now(UTC),
        slices=[
            Slice(window.start, window.end, window_rows, quarantined.get(window, []))
            for window, window_rows in rows.items()
        ],
    )
    outcome.quarantined += sum(len(bad) for bad in quarantined.values())
    outcome.slices += len(rows)
