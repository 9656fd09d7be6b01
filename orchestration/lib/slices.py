"""Writing what a connection's run read into the warehouse, one slice per window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from orchestration.connectors.quarantine import MalformedRow
from orchestration.lib.outcomes import ConnectionOutcome
from orchestration.lib.resources import SyncTarget
from orchestration.lib.restatement import Capture
from orchestration.lib.windows import Window
from warehouse.connection import Slice, Warehouse
from warehouse.raw_tables import RawTable


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
