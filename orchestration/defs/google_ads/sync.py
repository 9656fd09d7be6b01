"""One connection's Google Ads sync over a run's windows, independent of Dagster: hourly ad group
metrics, with the restatement lookback, and the campaigns, ad groups and ads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, date, datetime

from orchestration.connectors.google_ads.client import GoogleAdsClient
from orchestration.connectors.google_ads.entities import EntityLevel, GoogleAdsEntity
from orchestration.connectors.google_ads.records import GoogleAdsAdGroupHour
from orchestration.connectors.quarantine import MalformedRow
from orchestration.lib.outcomes import ConnectionOutcome, recorded
from orchestration.lib.resources import SyncTarget
from orchestration.lib.restatement import day_captures, day_spans
from orchestration.lib.slices import CaptureRows, land_captures
from orchestration.lib.windows import Window
from warehouse.connection import Warehouse
from warehouse.raw_tables import GOOGLE_ADS_AD_GROUP_HOURLY, GOOGLE_ADS_ENTITIES

# Google counts a conversion for up to 90 days after the click (the longest conversion window
# an advertiser can set; 30 is the default).
MAX_RESTATEMENT_DAYS = 90


def sync_ad_group_hours(
    target: SyncTarget,
    client: GoogleAdsClient,
    windows: list[Window],
    warehouse: Warehouse,
    *,
    restatement_days: int = 0,
) -> ConnectionOutcome:
    """Land one capture per window: the account-local day so far, up to the window's hour.

    Google reports hourly at best, so a window's capture is the day's rows up to the hour the
    window starts in. With `restatement_days` N, the N local days before the last window's day
    are captured again, whole and as Google reports them now, in the slice of the run's last
    window, as Meta's are (`day_captures`): their earlier captures stay as they were seen.
    Days are fetched a few at a time (`day_spans`), one request series each, so a backfill
    holds a span in memory, not the run; rows that do not parse are quarantined with the
    span's latest capture.
    """
    if not 0 <= restatement_days <= MAX_RESTATEMENT_DAYS:
        raise ValueError(
            f"restatement_days must be between 0 and {MAX_RESTATEMENT_DAYS}, not {restatement_days}"
        )
    outcome = ConnectionOutcome.of(target)
    with recorded(outcome, client.usage):
        customer = client.get_customer(target.external_account_id)
        captures, outcome.restated_days = day_captures(
            windows, customer.time_zone, restatement_days
        )

        def reads() -> Iterator[CaptureRows]:
            for span in day_spans(sorted({capture.day for capture in captures})):
                by_day: dict[date, list[GoogleAdsAdGroupHour]] = defaultdict(list)
                malformed: list[MalformedRow] = []
                for row in client.iter_hourly_ad_group_metrics(
                    customer.customer_id, span[0], span[-1]
                ):
                    if isinstance(row, MalformedRow):
                        malformed.append(row)
                    else:
                        by_day[row.segment_date].append(row)
                yield (
                    {
                        capture: [
                            GOOGLE_ADS_AD_GROUP_HOURLY.row_values(_fields_of(row))
                            for row in by_day[capture.day]
                            if row.segment_hour <= capture.hour
                        ]
                        for capture in captures
                        if capture.day in span
                    },
                    malformed,
                )

        land_captures(warehouse, GOOGLE_ADS_AD_GROUP_HOURLY, target, outcome, captures, reads())
    return outcome


def sync_entities(
    target: SyncTarget, client: GoogleAdsClient, windows: list[Window], warehouse: Warehouse
) -> ConnectionOutcome:
    """Land the customer's campaigns, ad groups and ads as of now, in the slice of the run's
    last window.

    Google's listings tell only the current state, so earlier windows of a backfill get no
    slice: copying today's statuses into them would invent history.
    """
    outcome = ConnectionOutcome.of(target)
    with recorded(outcome, client.usage):
        entities: list[GoogleAdsEntity] = []
        malformed: list[MalformedRow] = []
        for level in EntityLevel:
            for item in client.iter_entities(target.external_account_id, level):
                if isinstance(item, MalformedRow):
                    malformed.append(item)
                else:
                    entities.append(item)
        last = max(windows)
        outcome.rows = warehouse.replace_slice(
            GOOGLE_ADS_ENTITIES,
            workspace_id=target.workspace_id,
            connection_id=target.connection_id,
            window_start=last.start,
            window_end=last.end,
            landed_at=datetime.now(UTC),
            rows=[_entity_row(entity) for entity in entities],
            quarantined=[(bad.reason, bad.payload) for bad in malformed],
        )
        outcome.quarantined = len(malformed)
        outcome.slices = 1
    return outcome


def _entity_row(entity: GoogleAdsEntity) -> tuple[object, ...]:
    return GOOGLE_ADS_ENTITIES.row_values(
        {
            **_fields_of(entity),
            "entity_level": entity.level.value,
            "entity_name": entity.name,
        }
    )


def _fields_of(row: GoogleAdsAdGroupHour | GoogleAdsEntity) -> dict[str, object]:
    # The record's fields carry the raw table's column names.
    return {field.name: getattr(row, field.name) for field in fields(row)}
