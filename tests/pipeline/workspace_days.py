"""A workspace six hours from its ad accounts, and its ad delivery per day computed from the raw
landing tables alone, for the tests of workspace-local days (marts, API, semantic layer).

The simulated merchants' ad accounts bill in their workspace's timezone, so the shifted
workspace is the New York merchant's moved to Berlin (six hours ahead in November) on a copy of
the session's warehouse, built incrementally as the 15-minute schedule would after the app's
setting changed. The change is made as a merchant makes it: its owner's `PATCH` to the API, on a
copy of the app database, which the warehouse job's `app_workspaces` asset then copies into the
warehouse; so the tests reading the shifted workspace also show the numbers following a
timezone set through the API.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from api.main import create_app
from metricx.settings import Settings
from orchestration.defs.app_database.assets import read_workspaces, replace_workspaces
from tests.helpers import copied_warehouse, read_warehouse, run_dbt
from warehouse.connection import open_warehouse

WORKSPACE_TIMEZONE = "Europe/Berlin"
MONEY_PLACES = Decimal("0.0001")
MICROS = Decimal("0.000001")
# The raw rows of both platforms in one shape: the account-local day and hour of each capture.
# Google's cost stays in micros here and is converted in Python.
_RAW_DELIVERY_SQL = """
SELECT connection_id, window_start, landed_at, account_timezone AS timezone, currency,
    campaign_id, date_start AS account_day, hour_of_day AS hour, spend, NULL AS cost_micros,
    impressions, link_clicks AS clicks, purchases AS conversions, purchase_value AS conversion_value
FROM raw.meta_ads_insights_hourly WHERE workspace_id = :workspace_id
UNION ALL
SELECT connection_id, window_start, landed_at, time_zone, currency,
    campaign_id, segment_date, segment_hour, NULL, cost_micros, impressions, clicks,
    conversions, conversions_value
FROM raw.google_ads_ad_group_hourly WHERE workspace_id = :workspace_id
"""


@dataclass
class Delivery:
    """A day's ad delivery; money in the workspace currency as the marts convert it (each hour
    rounded to 4 decimals; the shifted workspace's accounts bill in its currency)."""

    spend: Decimal = Decimal(0)
    impressions: int = 0
    clicks: int = 0
    conversions: Decimal = Decimal(0)
    conversion_value: Decimal = Decimal(0)

    def add(self, row: dict[str, Any]) -> None:
        self.spend += hour_spend(row)
        self.impressions += row["impressions"]
        self.clicks += row["clicks"]
        self.conversions += Decimal(row["conversions"])
        self.conversion_value += Decimal(row["conversion_value"]).quantize(
            MONEY_PLACES, ROUND_HALF_UP
        )


def hour_spend(row: dict[str, Any]) -> Decimal:
    """A raw row's spend as the marts keep it: Google's micros converted, rounded to 4 places."""
    spend = (
        Decimal(row["cost_micros"]) * MICROS
        if row["cost_micros"] is not None
        else Decimal(row["spend"])
    )
    return spend.quantize(MONEY_PLACES, ROUND_HALF_UP)


@dataclass
class ShiftedWorkspace:
    warehouse_url: str  # the copy, built after the change
    workspace_id: str
    account_timezone: str
    by_workspace_day: dict[date, Delivery] = field(default_factory=dict)
    by_account_day: dict[date, Delivery] = field(default_factory=dict)

    def read(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return read_warehouse(self.warehouse_url, sql, params)


def set_timezone_through_the_api(settings: Settings, workspace_id: str, token: str) -> None:
    """The owner's `PATCH /v1/workspaces/{id}` setting WORKSPACE_TIMEZONE."""
    with TestClient(create_app(settings)) as client:
        response = client.patch(
            f"/v1/workspaces/{workspace_id}",
            json={"timezone": WORKSPACE_TIMEZONE},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text


@contextmanager
def shifted_workspace(
    warehouse_url: str,
    app_database_url: str,
    workspace_id: str,
    account_timezone: str,
    workdir: Path,
) -> Iterator[ShiftedWorkspace]:
    """A copy of the warehouse rebuilt after the workspace's timezone was set to
    WORKSPACE_TIMEZONE in the app database at `app_database_url`."""
    with copied_warehouse(warehouse_url, workdir) as url:
        # What the warehouse job's app_workspaces asset runs first.
        landing = open_warehouse(url)
        try:
            replace_workspaces(landing, read_workspaces(app_database_url))
        finally:
            landing.close()
        assert read_warehouse(
            url,
            "SELECT timezone FROM raw.app_workspaces WHERE workspace_id = :w",
            {"w": workspace_id},
        ) == [{"timezone": WORKSPACE_TIMEZONE}]
        # A dbt process of its own, which lets go of the DuckDB file for `mf` after it; compaction
        # as of the pipeline's own builds, so the snapshots stay as they were.
        run_dbt(
            url,
            workdir,
            "run",
            "--vars",
            json.dumps({"snapshot_compaction_as_of": "2026-11-21T00:00:00+00:00"}),
        )
        shifted = ShiftedWorkspace(url, workspace_id, account_timezone)
        _sum_raw_delivery(shifted)
        yield shifted


def _sum_raw_delivery(shifted: ShiftedWorkspace) -> None:
    by_workspace_day: dict[date, Delivery] = defaultdict(Delivery)
    by_account_day: dict[date, Delivery] = defaultdict(Delivery)
    workspace_tz = ZoneInfo(WORKSPACE_TIMEZONE)
    for hour_start, row in latest_hourly_delivery(shifted.warehouse_url, shifted.workspace_id):
        assert row["timezone"] == shifted.account_timezone
        by_workspace_day[hour_start.astimezone(workspace_tz).date()].add(row)
        by_account_day[row["account_day"]].add(row)
    shifted.by_workspace_day = dict(by_workspace_day)
    shifted.by_account_day = dict(by_account_day)


def latest_hourly_delivery(
    warehouse_url: str, workspace_id: str
) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """The workspace's raw delivery rows of both platforms that count, each with the UTC start
    of its hour: the latest capture of each (connection, account day) is the day's truth (the
    latest window, then the latest landing). The first occurrence of a repeated DST hour (fold 0)
    is its start: the platforms put both UTC hours in it, and both fall on the same day.

    The accounts must bill in the workspace's currency: the sums assume no conversion."""
    rows = read_warehouse(warehouse_url, _RAW_DELIVERY_SQL, {"workspace_id": workspace_id})
    (currency,) = {row["currency"] for row in rows}
    (workspace_currency,) = {
        row["currency"]
        for row in read_warehouse(
            warehouse_url,
            "SELECT currency FROM raw.app_workspaces WHERE workspace_id = :w",
            {"w": workspace_id},
        )
    }
    assert currency.upper() == workspace_currency.upper(), "the spend sums assume no conversion"
    latest: dict[tuple[str, date], tuple[datetime, datetime]] = {}
    for row in rows:
        key = (row["connection_id"], row["account_day"])
        capture = (row["window_start"], row["landed_at"])
        latest[key] = max(latest.get(key, capture), capture)
    for row in rows:
        if (row["window_start"], row["landed_at"]) == latest[
            (row["connection_id"], row["account_day"])
        ]:
            hour_start = datetime.combine(
                row["account_day"], time(row["hour"]), tzinfo=ZoneInfo(row["timezone"])
            ).astimezone(UTC)
            yield hour_start, row
