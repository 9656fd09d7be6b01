"""Writing what a connection's run read into the warehouse, one slice per window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime

from orchestration.connectors.quarantine import MalformedRow
from orchestration.lib.outcomes import ConnectionOutcome
from orchestration.lib.resources import SyncTarget
from orchestration.lib.restatement import Capture
from orchestration.lib.windows import Window
from warehouse.connection import Slice, Warehouse
from warehouse.raw_tables import RawTable

# What a run read of some of its captures (a span of days): rows per capture, and the rows that
# did not parse.
CaptureRows = tuple[Mapping[Capture, list[tuple[object, ...]]], Sequence[MalformedRow]]


def land_captures(
    warehouse: Warehouse,
    table: RawTable,
    target: SyncTarget,
    outcome: ConnectionOutcome,
    captures: Sequence[Capture],
    reads: Iterable[CaptureRows],
) -> None:
    """One slice per window, holding every day its captures hold (its own day, and in a
    restating run's last window the restated days), with each day's row count in the capture
    log. `reads` yields the `captures` span by span; a window lands once all of its captures
    were read, so a backfill holds a span in memory, not the run, while the restated days of
    the last window, read over several spans, land in one slice. Rows that did not parse may
    belong to any of a span's days: they are kept once, with the span's latest capture."""
    unread: dict[Window, set[Capture]] = defaultdict(set)
    for capture in captures:
        unread[capture.window].add(capture)
    read: dict[Window, dict[Capture, list[tuple[object, ...]]]] = defaultdict(dict)
    quarantined: dict[Window, list[tuple[str, str]]] = defaultdict(list)
    for rows_by_capture, malformed in reads:
        for capture, rows in rows_by_capture.items():
            read[capture.window][capture] = rows
            unread[capture.window].discard(capture)
        if rows_by_capture:
            latest = max(rows_by_capture)
            quarantined[latest.window].extend((bad.reason, bad.payload) for bad in malformed)
        complete = [window for window in read if not unread[window]]
        if complete:
            land_window_slices(
                warehouse,
                table,
                target,
                outcome,
                {
                    window: [row for _, rows in sorted(read[window].items()) for row in rows]
                    for window in complete
                },
                {window: quarantined.pop(window, []) for window in complete},
                {
                    window: {capture.day: len(rows) for capture, rows in read[window].items()}
                    for window in complete
                },
            )
            for window in complete:
                del read[window]
    if read:  # a reader that skipped a day would otherwise leave its window unlanded
        raise RuntimeError(f"{table.name}: windows {sorted(read)} were not read whole")


def land_window_slices(
    warehouse: Warehouse,
    table: RawTable,
    target: SyncTarget,
    outcome: ConnectionOutcome,
    rows: Mapping[Window, list[tuple[object, ...]]],
    quarantined: Mapping[Window, list[tuple[str, str]]],
    captured_days: Mapping[Window, Mapping[date, int]] | None = None,
) -> None:
    """Replace the slices of `rows`' windows (each with its quarantined rows and, for the ad
    platforms' captures, its rows per captured day) in one go."""
    outcome.rows += warehouse.replace_slices(
        table,
        workspace_id=target.workspace_id,
        connection_id=target.connection_id,
        landed_at=datetime.now(UTC),
        slices=[
            Slice(
                window.start,
                window.end,
                window_rows,
                quarantined.get(window, []),
                (captured_days or {}).get(window, {}),
            )
            for window, window_rows in rows.items()
        ],
    )
    outcome.quarantined += sum(len(bad) for bad in quarantined.values())
    outcome.slices += len(rows)
