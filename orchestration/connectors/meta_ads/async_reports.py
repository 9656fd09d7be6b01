"""Async insights report runs: what a polled `GET /{report_run_id}` says about a run.

Meta recommends report runs for large ranges: `POST /act_{id}/insights` answers a
`report_run_id` at once, the run is polled until it completes, then its rows are paged from
`GET /{report_run_id}/insights`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import Field, TypeAdapter
from pydantic.dataclasses import dataclass

from orchestration.connectors.wire import RECORD_CONFIG, Count


class ReportRunStatus(StrEnum):
    NOT_STARTED = "Job Not Started"
    STARTED = "Job Started"
    RUNNING = "Job Running"
    COMPLETED = "Job Completed"
    FAILED = "Job Failed"
    SKIPPED = "Job Skipped"


_ENDED_WITHOUT_DATA = frozenset({ReportRunStatus.FAILED, ReportRunStatus.SKIPPED})


@dataclass(frozen=True, config=RECORD_CONFIG)
class ReportRunState:
    run_id: str = Field(default="", validation_alias="id")
    # Kept as sent: Meta may add statuses, which count as "still running".
    status: str = Field(default="", validation_alias="async_status")
    percent_completion: Count = Field(default=0, validation_alias="async_percent_completion")

    @classmethod
    def from_graph(cls, payload: Mapping[str, Any]) -> ReportRunState:
        """Raises pydantic's ValidationError (a ValueError) when the poll's answer does not
        parse."""
        return _RUN_STATE.validate_python(payload)

    @property
    def completed(self) -> bool:
        # Meta's guidance: only both together mean the results are readable.
        return self.status == ReportRunStatus.COMPLETED and self.percent_completion == 100

    @property
    def ended_without_data(self) -> bool:
        return self.status in _ENDED_WITHOUT_DATA


_RUN_STATE = TypeAdapter(ReportRunState)
