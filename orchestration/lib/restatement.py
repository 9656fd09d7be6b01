"""Ad platforms' account-local days, captured per window and landed again as the platform
restates their conversions: hourly for the last days, once a day for the whole attribution
window (`build_restatement_schedule`).

No `from __future__ import annotations` here: Dagster reads `RestatementConfig`'s fields from
their annotations.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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
# Days read per request series; bounds what a backfill or a restatement of the whole attribution
# window holds in memory per connection.
FETCH_SPAN_DAYS = 7


class RestatementConfig(Config):
    """How a run lands past days again, as the platform restates their conversions."""

    restatement_days: int = Field(
        default=DEFAULT_RESTATEMENT_DAYS,
        ge=0,
        description="Account-local days before the last window's day that a restating run lands "
        "again, whole, in their closing windows, so conversions attributed late reach the marts.",
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
    """A slice to land: the account-local day `day` up to local hour `hour`, in `window`."""

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
    Each of the `restatement_days` days before the last window's day is captured again, whole,
    in its own closing window (local 23:45): exactly what re-running that window would land, so
    one capture always holds one day, and the latest capture of a day is the truth downstream.
    """
    captures = {Capture.of(window, timezone) for window in windows}
    last_day = max(captures).day
    restated = {
        Capture.of(closing_window(last_day - timedelta(days=back), timezone), timezone)
        for back in range(1, restatement_days + 1)
    }
    return sorted(captures | restated), len(restated)


def closing_window(day: date, timezone: str) -> Window:
    """The last 15-minute window of an account-local day."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))
    end = end.astimezone(UTC)
    return Window(end - WINDOW, end)


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
