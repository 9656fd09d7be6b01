"""The row reduction of fct_metric_snapshots' compaction over the whole landed history (92 days by
default: 15-minute rows older than 7 days fold into hours, hourly ones older than 90 days into
days), and proof that it keeps every day's totals.

The snapshots are first built with compaction aged against 1970 (nothing is old enough: every
capture keeps its own row), then rebuilt incrementally aged against the history's end, which is
how the scheduled builds compact rows as they age. Any (connection, ad entity, day) whose summed
deltas differ fails the benchmark.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.history import DbtCommands, day_vars, landed_history, warehouse_copy
from bench.report import emit
from metricx.settings import Settings
from orchestration.lib.windows import WINDOW
from warehouse.connection import open_warehouse

NEVER = "1970-01-01T00:00:00+00:00"
HOURLY_AFTER_DAYS = 7
DAILY_AFTER_DAYS = 90
DELTAS = (
    "spend_delta",
    "impressions_delta",
    "clicks_delta",
    "conversions_delta",
    "conversion_value_delta",
    "spend_delta_workspace_currency",
    "conversion_value_delta_workspace_currency",
)
DAY_KEY = ("connection_id", "ad_entity_id", "report_date")


def run(backend: str) -> None:
    history = landed_history(backend)
    days = (history.end - history.range.start).days
    as_of = history.end
    with (
        warehouse_copy(history, days) as settings,
        tempfile.TemporaryDirectory(prefix="metricx-bench-dbt-") as folder,
    ):
        dbt = DbtCommands(settings, Path(folder))
        history_vars = day_vars(history.range.start, history.end - WINDOW)
        dbt.run(
            "build",
            "--select",
            "+fct_metric_snapshots",
            # Only the tests of the selected models: eager selection would add relationship
            # tests whose other side (other marts) this build leaves out.
            "--indirect-selection",
            "cautious",
            dbt_vars={**history_vars, "snapshot_compaction_as_of": NEVER},
        )
        # The tier each capture's row will fall in, by its age at `as_of` (the model's cutoffs).
        tiers_sql = (
            "SELECT CASE WHEN window_start < :daily THEN '1d' WHEN window_start < :hourly"
            " THEN '1h' ELSE '15m' END AS tier, count(*) AS row_count"
            " FROM marts.fct_metric_snapshots GROUP BY 1"
        )
        cutoffs = {
            "daily": as_of - timedelta(days=DAILY_AFTER_DAYS),
            "hourly": as_of - timedelta(days=HOURLY_AFTER_DAYS),
        }
        before_tiers = _counts(_read(settings, tiers_sql, cutoffs))
        before_totals = _day_totals(settings)
        started = time.perf_counter()
        dbt.run(
            "build",
            "--select",
            "fct_metric_snapshots",
            "--indirect-selection",
            "cautious",
            dbt_vars={**history_vars, "snapshot_compaction_as_of": as_of.isoformat()},
        )
        compaction_seconds = time.perf_counter() - started
        after_grains = _counts(
            _read(
                settings,
                "SELECT grain AS tier, count(*) AS row_count FROM marts.fct_metric_snapshots"
                " GROUP BY grain",
            )
        )
        after_totals = _day_totals(settings)
    _require_same_totals(before_totals, after_totals)
    before, after = sum(before_tiers.values()), sum(after_grains.values())
    parameters = {
        "history_days": days,
        "as_of": as_of.isoformat(),
        "hourly_after_days": HOURLY_AFTER_DAYS,
        "daily_after_days": DAILY_AFTER_DAYS,
        "days_compared": len(after_totals),
    }
    emit("compaction.rows_uncompacted", before, "rows", backend=backend, **parameters)
    emit("compaction.rows_compacted", after, "rows", backend=backend, **parameters)
    emit("compaction.row_reduction", 1 - after / before, "fraction", backend=backend, **parameters)
    for tier in ("15m", "1h", "1d"):
        emit(
            f"compaction.rows_{tier}",
            after_grains.get(tier, 0),
            "rows",
            backend=backend,
            uncompacted=before_tiers.get(tier, 0),
            **parameters,
        )
    emit("compaction.incremental_build", compaction_seconds, "s", backend=backend, **parameters)


def _read(settings: Settings, query: str, params: Mapping[str, Any] | None = None) -> list[dict]:
    warehouse = open_warehouse(settings.warehouse_url)
    try:
        return warehouse.fetch_all(query, dict(params) if params else None)
    finally:
        warehouse.close()


def _counts(rows: list[dict]) -> dict[str, int]:
    return {row["tier"]: int(row["row_count"]) for row in rows}


def _day_totals(settings: Settings) -> dict[tuple, tuple[Decimal, ...]]:
    """Each (connection, ad entity, account-local day)'s summed deltas: the day's totals."""
    sums = ", ".join(f"sum({delta}) AS {delta}" for delta in DELTAS)
    keys = ", ".join(DAY_KEY)
    rows = _read(settings, f"SELECT {keys}, {sums} FROM marts.fct_metric_snapshots GROUP BY {keys}")
    return {
        tuple(row[key] for key in DAY_KEY): tuple(Decimal(row[delta]) for delta in DELTAS)
        for row in rows
    }


def _require_same_totals(
    before: dict[tuple, tuple[Decimal, ...]], after: dict[tuple, tuple[Decimal, ...]]
) -> None:
    differing = sorted(
        (key for key in before.keys() | after.keys() if before.get(key) != after.get(key)),
        key=str,
    )
    if not before or differing:
        shown = "; ".join(f"{key}: {before.get(key)} -> {after.get(key)}" for key in differing[:10])
        raise RuntimeError(
            f"compaction changed {len(differing)} of {len(before)} day totals"
            f" ({', '.join(DAY_KEY)}; {', '.join(DELTAS)}): {shown or 'no snapshots built'}"
        )
