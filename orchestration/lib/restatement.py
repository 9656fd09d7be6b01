"""Ad platforms' account-local days, captured per window and landed again as the platform
restates their conversions: hourly for the last days, once a day for the whole attribution
window (`build_restatement_schedule`).

No `from __future__ import annotations` here: Dagster reads `RestatementConfig`'s fields from
their annotations.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from dagster import (
    AssetKey,
    Config,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)
from pydantic import Field, ValidationError

from orchestration.jobs import INGEST_JOB_NAME
from orchestration.lib.loggers import RUN_LOGGER_CONFIG
from orchestration.lib.windows import WINDOW, Window
from orchestration.partitions import latest_complete_window_key

# Ad platforms keep attributing conversions to past clicks for days; most arrive within two.
DEFAULT_RESTATEMENT_DAYS = 2
# Conversions trickle in over days: restating once an hour keeps them fresh at a quarter of the
# API calls and rows restating every 15-minute run would cost. Meta and Google both follow it.
DEFAULT_RESTATEMENT_EVERY_MINUTES = 60
# The last account-local hour: a capture up to it holds the whole day (a DST day's repeated hour
# is reported under one hour of day).
WHOLE_DAY = 23
# Days read per request series; bounds what a backfill or a restatement of the whole attribution
# window holds in memory per connection.
FETCH_SPAN_DAYS = 7


class RestatementConfig(Config):
    """How a run lands past days again, as the platform restates their conversions."""

    restatement_days: int = Field(
        default=DEFAULT_RESTATEMENT_DAYS,
        ge=0,
        description="Account-local days before the last window's day that a restating run lands "
        "again, whole, in its last window, so conversions attributed late reach the marts.",
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
    """What a run lands of one account-local day: `day` up to local hour `hour`, as the
    platform reports it when `window` lands, in that window's slice (which may hold several
    days: its own and those it restates)."""

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
    Each of the `restatement_days` days before the last window's day that the run does not
    capture otherwise is captured again, whole, in the run's last window: what the platform
    reports of it at the time of the restatement. So a window's slice holds its own day and the
    days it restated; the earlier captures of a restated day (its closing window's among them)
    stay as they were seen, and the restatement, the day's latest capture, is its truth
    downstream. A day whose windows the run lands itself (a backfill across midnight) is
    captured whole in its closing window already.
    """
    captures = {Capture.of(window, timezone) for window in windows}
    last = max(captures)
    captured_days = {capture.day for capture in captures}
    restated = {
        Capture(last.window, day, WHOLE_DAY)
        for day in (last.day - timedelta(days=back) for back in range(1, restatement_days + 1))
        if day not in captured_days
    }
    return sorted(captures | restated), len(restated)


def day_spans(days: Sequence[date]) -> Iterator[list[date]]:
    """Sorted consecutive `days` in runs of at most FETCH_SPAN_DAYS: what one request series
    reads."""
    span: list[date] = []
    for day in days:
        if span and (len(span) == FETCH_SPAN_DAYS or day != span[-1] + timedelta(days=1)):
            yield span
            span = []
        span.append(day)
    if span:
        yield span


def build_restatement_schedule(
    landing: AssetKey,
    config_cls: type[RestatementConfig],
    restatement_days: int,
    *,
    name: str,
    cron: str,
    description: str,
) -> ScheduleDefinition:
    """A daily run of the ingest job landing `landing`'s latest complete window and, whole, the
    `restatement_days` account-local days before it, for every connection of its source: the
    platform's attribution window, whose conversions keep changing after the hourly
    restatements stopped looking. Like every landing, it triggers the models' build of the day
    (automation), and the incremental models rebuild the (connection, day) keys it landed.

    The run's config is made with `config_cls`, the landing asset's own, so a window its
    platform does not allow fails when the code location loads, not when the schedule ticks.
    """
    try:
        config = config_cls(
            restatement_days=restatement_days,
            # The run restates whichever window it lands.
            restatement_every_minutes=WINDOW // timedelta(minutes=1),
        )
    except ValidationError as error:
        [problem] = error.errors()
        raise ValueError(
            f"The {name} schedule cannot restate {restatement_days} days: {problem['msg']}. "
            "Set the platform's METRICX_*_RESTATEMENT_DAYS within that (README, Configuration)."
        ) from error

    @schedule(
        name=name,
        cron_schedule=cron,
        execution_timezone="UTC",
        job_name=INGEST_JOB_NAME,
        description=description,
    )
    def restatement(context: ScheduleEvaluationContext) -> RunRequest:
        key = latest_complete_window_key(context.scheduled_execution_time)
        return RunRequest(
            run_key=f"{name.replace('_', '-')}-{key}",
            partition_key=key,
            asset_selection=[landing],
            # Run config of a request replaces the job's, logger choice included.
            run_config={
                **RUN_LOGGER_CONFIG,
                "ops": {
                    landing.to_python_identifier(): {
                        "config": {
                            "restatement_days": config.restatement_days,
                            "restatement_every_minutes": config.restatement_every_minutes,
                        }
                    }
                },
            },
        )

    return restatement
