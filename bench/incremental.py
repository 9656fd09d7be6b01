"""dbt's build of one 15-minute window on top of 7 and of 90 days of landed history: incremental
models should do work proportional to the window, not the history (target: ratio ≤ 1.3).

Each warehouse is built once whole, then the hour after the history lands window by window, as
the schedule would: the ingest job for the window, then `dbt build` with the vars the
build_warehouse job passes for the window's UTC day. dbt runs directly (its wall clock, parse
included), so the figure leaves out Dagster's bookkeeping and the DuckDB serving copy. An hour is
four windows, one of which restates the previous days of ad insights: the median is the typical
window, the mean the steady-state cost.
"""

from __future__ import annotations

import statistics
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.history import (
    DbtCommands,
    LandedHistory,
    day_vars,
    land_windows,
    landed_history,
    warehouse_copy,
    window_after,
)
from bench.report import emit
from orchestration.definitions import build_definitions
from orchestration.lib.windows import WINDOW

HISTORIES_DAYS = (7, 90)
WINDOWS = 4
TARGET_RATIO = 1.3


def run(backend: str) -> None:
    history = landed_history(backend)
    builds = {days: _measure(history, days) for days in HISTORIES_DAYS}
    short, long = (builds[days] for days in HISTORIES_DAYS)
    emit(
        "incremental.window_dbt_build_ratio",
        statistics.median(long) / statistics.median(short),
        "ratio",
        backend=backend,
        history_days=list(HISTORIES_DAYS),
        windows=WINDOWS,
        target=TARGET_RATIO,
        mean_ratio=round(statistics.mean(long) / statistics.mean(short), 4),
    )


def _measure(history: LandedHistory, days: int) -> list[float]:
    """Emit the figures of one history length; returns the windows' dbt build seconds."""
    parameters = {"history_days": days, "windows": WINDOWS}
    with (
        warehouse_copy(history, days) as settings,
        tempfile.TemporaryDirectory(prefix="metricx-bench-dbt-") as folder,
    ):
        dbt = DbtCommands(settings, Path(folder))
        first_build = dbt.run(
            "build", dbt_vars=day_vars(history.end - timedelta(days=days), history.end - WINDOW)
        )
        definitions = build_definitions(settings)
        ingest, builds = [], []
        for index in range(WINDOWS):
            window = window_after(history, index)
            history.clock.now = window.end
            ingest.append(land_windows(definitions, window))
            builds.append(dbt.run("build", dbt_vars=day_vars(window.start, window.start)))
    emit("incremental.first_build", first_build, "s", backend=history.backend, **parameters)
    emit(
        "incremental.window_ingest_work",
        statistics.median(ingest),
        "s",
        backend=history.backend,
        **parameters,
    )
    emit(
        "incremental.window_dbt_build",
        statistics.median(builds),
        "s",
        backend=history.backend,
        seconds=[round(seconds, 2) for seconds in builds],
        **parameters,
    )
    emit(
        "incremental.window_dbt_build_mean",
        statistics.mean(builds),
        "s",
        backend=history.backend,
        **parameters,
    )
    return builds
