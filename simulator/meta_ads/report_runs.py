"""Async insights report runs (`POST /act_{id}/insights` → `report_run_id`), as the Meta
simulator keeps them: each run's figures are frozen at the moment it was created, as Meta's
are, and its status advances one step per poll so tests need no waiting."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.meta_ads.faults import ReportRunEnd
from simulator.meta_ads.insights_query import InsightsQuery

COMPLETED = "Job Completed"
# What polls see before a run ends: (async_status, async_percent_completion).
PROGRESS = (("Job Not Started", 0), ("Job Started", 0), ("Job Running", 50))


@dataclass(frozen=True)
class ReportRun:
    run_id: str
    account_id: str
    query: InsightsQuery  # what the run reports; its result pages are read with `limit`/`after`
    as_of: datetime
    end: ReportRunEnd | None  # None: the run completes with data


class ReportRuns:
    """The report runs created through one simulator; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, ReportRun] = {}
        self._polls: dict[str, int] = {}
        # Report run ids are numeric strings, like every Graph object id.
        self._ids = itertools.count(6_120_000_000_000_001)

    def create(
        self,
        *,
        account_id: str,
        query: InsightsQuery,
        as_of: datetime,
        end: ReportRunEnd | None,
    ) -> ReportRun:
        with self._lock:
            run = ReportRun(str(next(self._ids)), account_id, query, as_of, end)
            self._runs[run.run_id] = run
            self._polls[run.run_id] = 0
            return run

    def get(self, run_id: str) -> ReportRun | None:
        with self._lock:
            return self._runs.get(run_id)

    def poll(self, run_id: str) -> dict[str, Any]:
        """The run's status as `GET /{report_run_id}` answers it; each poll advances it."""
        with self._lock:
            run = self._runs[run_id]
            self._polls[run_id] += 1
            polls = self._polls[run_id]
        if polls <= len(PROGRESS):
            status, percent = PROGRESS[polls - 1]
        elif run.end is None:
            status, percent = COMPLETED, 100
        else:
            status, percent = run.end.value, PROGRESS[-1][1]
        return {
            "id": run.run_id,
            "account_id": run.account_id,
            "time_ref": int(run.as_of.timestamp()),
            "async_status": status,
            "async_percent_completion": percent,
            "date_start": run.query.since.isoformat(),
            "date_stop": run.query.until.isoformat(),
            "is_running": polls <= len(PROGRESS),
        }

    def completed(self, run_id: str) -> bool:
        with self._lock:
            run = self._runs[run_id]
            return run.end is None and self._polls[run_id] > len(PROGRESS)
