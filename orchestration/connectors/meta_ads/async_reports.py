"""Async insights report runs: what a polled `GET /{report_run_id}` says about a run.

Meta recommends report runs for large ranges: `POST /act_{id}/insights` answers a
`report_run_id` at once, the run is polled until it completes, then its rows are paged from
`GET /{report_run_id}/insights`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ReportRunStatus(StrEnum):
    NOT_STARTED = "Job Not Started"
    STARTED = "Job Started"
    RUNNING = "Job Running"
    COMPLETED = "Job Completed"
    FAILED = "Job Failed"
    SKIPPED = "Job Skipped"


_ENDED_WITHOUT_DATA = frozenset({ReportRunStatus.FAILED, ReportRunStatus.SKIPPED})


@dataclass(frozen=True)
class ReportRunState:
    run_id: str
    status: str  # kept as sent: Meta may add statuses, which count as "still running"
    percent_completion: int

    @classmethod
    def from_graph(cls, payload: Mapping[str, Any]) -> ReportRunState:
        return cls(
            run_id=str(payload.get("id", "")),
            status=str(payload.get("async_status", "")),
            percent_completion=int(payload.get("async_percent_completion") or 0),
        )

    @property
    def completed(self) -> bool:
        # Meta's guidance: only both together mean the results are readable.
        return self.status == ReportRunStatus.COMPLETED and self.percent_completion == 100

    @property
    def ended_without_data(self) -> bool:
        return self.status in _ENDED_WITHOUT_DATA
