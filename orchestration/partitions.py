"""How assets are keyed in time: 15-minute UTC windows for ingestion, UTC days for the models."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from dagster import DailyPartitionsDefinition, TimeWindowPartitionsDefinition

from metricx.settings import get_settings

WINDOW_CRON = "*/15 * * * *"
WINDOW_KEY_FORMAT = "%Y-%m-%d-%H:%M"


@cache
def fifteen_minute_partitions() -> TimeWindowPartitionsDefinition:
    return TimeWindowPartitionsDefinition(
        cron_schedule=WINDOW_CRON,
        start=datetime.fromisoformat(get_settings().partitions_start).replace(tzinfo=UTC),
        fmt=WINDOW_KEY_FORMAT,
        timezone="UTC",
    )


@cache
def daily_partitions() -> DailyPartitionsDefinition:
    """UTC days for the dbt models.

    Dagster keeps one event per partition and run, and advises at most ~100k partitions per
    asset: 15-minute partitions on every model would cost 96 events a day per model (a year of
    them ~165 s of bookkeeping per ranged run). The models are incremental on what landed, so a
    day partition refreshed every 15 minutes loses nothing. `end_offset=1` makes today a
    partition while it is still running.
    """
    return DailyPartitionsDefinition(
        start_date=datetime.fromisoformat(get_settings().partitions_start),
        timezone="UTC",
        end_offset=1,
    )
