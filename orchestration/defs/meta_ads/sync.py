"""One connection's Meta sync over a run's windows, independent of Dagster: hourly insights, with
the restatement lookback, and the campaigns, ad sets and ads they name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, date, datetime

from orchestration.connectors.meta_ads.client import MetaAdsClient
from orchestration.connectors.meta_ads.entities import MetaEntity
from orchestration.connectors.meta_ads.records import MetaAdInsightHour
from orchestration.connectors.quarantine import MalformedRow
from orchestration.lib.outcomes import ConnectionOutcome, recorded
from orchestration.lib.resources import SyncTarget
from orchestration.lib.restatement import day_captures, day_spans
from orchestration.lib.slices import CaptureRows, land_captures
from orchestration.lib.windows import Window
from warehouse.connection import Warehouse
from warehouse.raw_tables import META_ADS_ENTITIES, META_ADS_INSIGHTS_HOURLY

# Meta keeps attributing purchases to an ad for up to 28 days (its longest click window).
MAX_RESTATEMENT_DAYS = 28


def sync_insights(
    target: SyncTarget,
    client: MetaAdsClient,
    windows: list[Window],
    warehouse: Warehouse,
    *,
    restatement_days: int = 0,
) -> ConnectionOutcome:
    """Land one capture per window: the account-local day so far, up to the window's hour.

    Meta reports hourly at best, so a window's capture is the day's hourly rows up to the hour
    the window starts in. The rows of a day are fetched once per run and cut per window, which
    keeps a backfill at one request series per few days instead of one per window.

    With `restatement_days` N, the run also restates the N account-local days before the day of
    its last window: each is captured again, whole and as Meta reports it now, in the slice of
    the run's last window (`day_captures`). The earlier captures of those days stay as they
    were seen, and since the restatement is the latest capture holding the day, every model
    reading "the latest capture of a day" picks the late purchases up unchanged.
    """
    if not 0 <= restatement_days <= MAX_RESTATEMENT_DAYS:
        raise ValueError(
            f"restatement_days must be between 0 and {MAX_RESTATEMENT_DAYS}, not {restatement_days}"
        )
    outcome = ConnectionOutcome.of(target)
    with recorded(outcome, client.usage):
        account = client.get_account(target.external_account_id)
        timezone = account.timezone_name
        captures, outcome.restated_days = day_captures(windows, timezone, restatement_days)

        def reads() -> Iterator[CaptureRows]:
            for span in day_spans(sorted({capture.day for capture in captures})):
                records, malformed = _fetch(client, target.external_account_id, span)
                yield (
                    {
                        capture: [
                            _insight_row(row, timezone)
                            for row in records[capture.day]
                            if row.hour_of_day <= capture.hour
                        ]
                        for capture in captures
                        if capture.day in span
                    },
                    malformed,
                )

        land_captures(warehouse, META_ADS_INSIGHTS_HOURLY, target, outcome, captures, reads())
    return outcome


def sync_entities(
    target: SyncTarget, client: MetaAdsClient, windows: list[Window], warehouse: Warehouse
) -> ConnectionOutcome:
    """Land the account's campaigns, ad sets and ads as of now, in the slice of the run's last
    window.

    Meta only tells the current state, so earlier windows of a backfill get no slice: copying
    today's state into them would invent history.
    """
    outcome = ConnectionOutcome.of(target)
    with recorded(outcome, client.usage):
        account = client.get_account(target.external_account_id)
        account_id = target.external_account_id
        entities: list[MetaEntity] = []
        malformed: list[MalformedRow] = []
        for listing in (
            client.iter_campaigns(account_id),
            client.iter_adsets(account_id),
            client.iter_ads(account_id),
        ):
            for item in listing:
                if isinstance(item, MalformedRow):
                    malformed.append(item)
                else:
                    entities.append(item)
        last = max(windows)
        outcome.rows = warehouse.replace_slice(
            META_ADS_ENTITIES,
            workspace_id=target.workspace_id,
            connection_id=target.connection_id,
            window_start=last.start,
            window_end=last.end,
            landed_at=datetime.now(UTC),
            rows=[_entity_row(entity, account.currency) for entity in entities],
            quarantined=[(bad.reason, bad.payload) for bad in malformed],
        )
        outcome.quarantined = len(malformed)
        outcome.slices = 1
    return outcome


def _fetch(
    client: MetaAdsClient, account_id: str, span: list[date]
) -> tuple[dict[date, list[MetaAdInsightHour]], list[MalformedRow]]:
    records: dict[date, list[MetaAdInsightHour]] = defaultdict(list)
    malformed: list[MalformedRow] = []
    for item in client.iter_hourly_insights(account_id, span[0], span[-1]):
        if isinstance(item, MalformedRow):
            malformed.append(item)
        else:
            records[item.date_start].append(item)
    return records, malformed


def _insight_row(row: MetaAdInsightHour, timezone: str) -> tuple[object, ...]:
    # The record's fields carry the raw table's column names; only the timezone comes from the
    # account.
    return META_ADS_INSIGHTS_HOURLY.row_values({**_fields_of(row), "account_timezone": timezone})


def _entity_row(entity: MetaEntity, currency: str) -> tuple[object, ...]:
    return META_ADS_ENTITIES.row_values(
        {
            **_fields_of(entity),
            "entity_level": entity.level.value,
            "entity_name": entity.name,
            "currency": currency,
        }
    )


def _fields_of(record: MetaAdInsightHour | MetaEntity) -> dict[str, object]:
    return {field.name: getattr(record, field.name) for field in fields(record)}
