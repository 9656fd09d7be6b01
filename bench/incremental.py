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
from orchestration.defs.dbt.project import BUILD_COMMAND
from orchestration.lib.windows import WINDOW

HISTORIES_DAYS = (7, 90)
WINDOWS = 4
TARGET_RATIO = 1.3


def run(backend: str) -> None:
    history = landed_history(backend)
    builds = {days: _measure(history, days) for days in HISTORIES_DAYS}
    for figure in ("build", "models", "tests"):
        short, long = (builds[days][figure] for days in HISTORIES_DAYS)
        emit(
            f"incremental.window_dbt_{figure}_ratio",
            statistics.median(long) / statistics.median(short),
            "ratio",
            backend=backend,
            history_days=list(HISTORIES_DAYS),
            windows=WINDOWS,
            target=TARGET_RATIO,
            mean_ratio=round(statistics.mean(long) / statistics.mean(short), 4),
        )


def _measure(history: LandedHistory, days: int) -> dict[str, list[float]]:
    """Emit the figures of one history length; returns the windows' dbt build seconds: the
    whole command, its models' execution and its data tests' (which read whole tables)."""
    parameters = {"history_days": days, "windows": WINDOWS}
    with (
        warehouse_copy(history, days) as settings,
        tempfile.TemporaryDirectory(prefix="metricx-bench-dbt-") as folder,
    ):
        dbt = DbtCommands(settings, Path(folder))
        first_build = dbt.run(
            *BUILD_COMMAND,
            dbt_vars=day_vars(history.end - timedelta(days=days), history.end - WINDOW),
        )
        definitions = build_definitions(settings)
        ingest, builds, models, tests = [], [], [], []
        for index in range(WINDOWS):
            window = window_after(history, index)
            history.clock.now = window.end
            ingest.append(land_windows(definitions, window))
            builds.append(dbt.run(*BUILD_COMMAND, dbt_vars=day_vars(window.start, window.start)))
            by_type = dbt.seconds_by_node_type()
            models.append(by_type.get("model", 0.0))
            tests.append(by_type.get("test", 0.0))
        slowest = dbt.slowest_nodes()
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
    for figure, seconds in (("models", models), ("tests", tests)):
        emit(
            f"incremental.window_dbt_{figure}",
            statistics.median(seconds),
            "s",
            backend=history.backend,
            seconds=[round(value, 2) for value in seconds],
            **parameters,
        )
    emit(
        "incremental.window_dbt_slowest_nodes",
        max(slowest.values()),
        "s",
        backend=history.backend,
        last_window=slowest,
        **parameters,
    )
    return {"build": builds, "models": models, "tests": tests}
