"""The 15-minute UTC windows every ingestion asset (and, for now, every dbt model) is keyed by."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from dagster import TimeWindowPartitionsDefinition

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
