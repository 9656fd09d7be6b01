"""How assets are keyed in time: 15-minute UTC windows for ingestion, UTC days for the models.

Built from the settings' first partition date, one definition per date: every asset and job of a
code location built from the same settings shares the same partitions object.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from dagster import DailyPartitionsDefinition, TimeWindowPartitionsDefinition

from orchestration.lib.windows import PLATFORM_LAG, WINDOW

WINDOW_CRON = f"*/{WINDOW // timedelta(minutes=1)} * * * *"
WINDOW_KEY_FORMAT = "%Y-%m-%d-%H:%M"
# Dagster's own key format for daily partitions, which the day keys of runs must match.
DAY_KEY_FORMAT = "%Y-%m-%d"


def window_key(start: datetime) -> str:
    """The partition key of the 15-minute window starting at `start`."""
    return start.astimezone(UTC).strftime(WINDOW_KEY_FORMAT)


def window_start(key: str) -> datetime:
    """The start of the 15-minute window keyed `key`."""
    return datetime.strptime(key, WINDOW_KEY_FORMAT).replace(tzinfo=UTC)


@cache
def fifteen_minute_partitions(partitions_start: str) -> TimeWindowPartitionsDefinition:
    """Windows from `partitions_start` (an ISO date, `Settings.partitions_start`).

    Complete windows only: the running window is no partition, or automation would hold today's
    models until it ended (a day depends on every window of it that exists). A Shopify order
    webhook lands the running window anyway, within the run of the window before it
    (orchestration/defs/shopify/sensors.py).
    """
    return TimeWindowPartitionsDefinition(
        cron_schedule=WINDOW_CRON,
        start=datetime.fromisoformat(partitions_start).replace(tzinfo=UTC),
        fmt=WINDOW_KEY_FORMAT,
        timezone="UTC",
    )


@cache
def daily_partitions(partitions_start: str) -> DailyPartitionsDefinition:
    """UTC days for the dbt models, from `partitions_start` (an ISO date).

    Dagster keeps one event per partition and run, and advises at most ~100k partitions per
    asset: 15-minute partitions on every model would cost 96 events a day per model (a year of
    them ~165 s of bookkeeping per ranged run). The models are incremental on what landed, so a
    day partition refreshed every 15 minutes loses nothing. `end_offset=1` makes today a
    partition while it is still running.
    """
    return DailyPartitionsDefinition(
        start_date=datetime.fromisoformat(partitions_start),
        timezone="UTC",
        end_offset=1,
    )


def latest_complete_window_key(at: datetime) -> str:
    """The partition key of the last 15-minute window that ended at least PLATFORM_LAG ago."""
    boundary = at - PLATFORM_LAG
    boundary = boundary.replace(
        minute=boundary.minute - boundary.minute % 15, second=0, microsecond=0
    )
    return window_key(boundary - WINDOW)
