"""One outcome per connection and run, whatever the source, and the run's result from them:
which failures fail the run and which do not."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue

from orchestration.connectors.http import ReconnectRequired, SyncUsage
from orchestration.lib.resources import SyncTarget
from orchestration.lib.windows import Window


@dataclass
class ConnectionOutcome:
    """What one connection's sync did in a run, whatever the source."""

    connection_id: str
    workspace_id: str
    account_id: str  # the ad account, customer or shop domain on the platform
    slices: int = 0  # slices landed: the run's windows (restated days land in the last one's)
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
    def of(cls, target: SyncTarget) -> ConnectionOutcome:
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
    The landing marks it `needs_reconnect` and skips it from then on; its reconnect asks for the
    windows missed, which `orchestration/backfills.py` launches. The
    `every_active_connection_landed` check is what turns red meanwhile.
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
