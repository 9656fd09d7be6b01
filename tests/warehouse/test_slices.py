"""Landing a (source, connection, window) slice: replaced exactly, atomically, on both backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from warehouse.connection import Slice, Warehouse, open_warehouse
from warehouse.raw_tables import META_ADS_INSIGHTS_HOURLY

WINDOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    else:
        create: Callable[[str], str] = request.getfixturevalue("create_postgres_database")
        url = create("slices")
    landing = open_warehouse(url)
    landing.ensure_raw_schema()
    yield landing
    landing.close()


def _row(ad_id: str, spend: Decimal | str) -> tuple[object, ...]:
    return META_ADS_INSIGHTS_HOURLY.row_values(
        {
            "account_id": "1",
            "account_timezone": "UTC",
            "campaign_id": "c",
            "campaign_name": "C",
            "adset_id": "s",
            "adset_name": "S",
            "ad_id": ad_id,
            "ad_name": "A",
            "date_start": date(2026, 11, 20),
            "hour_of_day": 10,
            "spend": spend,
            "impressions": 100,
            "link_clicks": 3,
            "purchases": Decimal("1"),
            "purchase_value": Decimal("20.00"),
            "currency": "USD",
        }
    )


def _land(
    warehouse: Warehouse,
    rows: list[tuple[object, ...]],
    *,
    connection_id: str = "conn-1",
    window_start: datetime = WINDOW,
    quarantined: list[tuple[str, str]] | None = None,
) -> int:
    return warehouse.replace_slice(
        META_ADS_INSIGHTS_HOURLY,
        workspace_id="ws-1",
        connection_id=connection_id,
        window_start=window_start,
        window_end=window_start + timedelta(minutes=15),
        landed_at=datetime.now(UTC),
        rows=rows,
        quarantined=quarantined or [],
    )


def _snapshot(warehouse: Warehouse) -> dict[str, object]:
    return warehouse.fetch_all(
        "SELECT (SELECT count(*) FROM raw.meta_ads_insights_hourly) AS raw_rows,"
        " (SELECT sum(spend) FROM raw.meta_ads_insights_hourly) AS spend,"
        " (SELECT count(*) FROM raw.landing_log) AS slices,"
        " (SELECT sum(quarantined_count) FROM raw.landing_log) AS quarantined_counted,"
        " (SELECT count(*) FROM raw.quarantine) AS quarantined_rows"
    )[0]


def test_rerun_replaces_only_its_own_slice(warehouse: Warehouse) -> None:
    _land(warehouse, [_row("a", Decimal("1.00"))], connection_id="conn-2")
    _land(warehouse, [_row("a", Decimal("1.00"))], window_start=WINDOW - timedelta(minutes=15))
    _land(
        warehouse,
        [_row("a", Decimal("2.50")), _row("b", Decimal("3.00"))],
        quarantined=[("bad spend", "{}")],
    )
    first = _snapshot(warehouse)
    _land(
        warehouse,
        [_row("a", Decimal("2.50")), _row("b", Decimal("3.00"))],
        quarantined=[("bad spend", "{}")],
    )
    assert _snapshot(warehouse) == first
    assert first["raw_rows"] == 4
    assert Decimal(first["spend"]) == Decimal("7.50")
    assert first["slices"] == 3
    assert first["quarantined_counted"] == first["quarantined_rows"] == 1


def test_a_slice_of_several_days_logs_each_day_and_a_rerun_replaces_them(
    warehouse: Warehouse,
) -> None:
    """A restating window's slice holds its own day and the days it restated: the capture log
    keeps each day's rows, empty days included, and re-running the window replaces them all."""
    landed_at = datetime.now(UTC)

    def land(captured_days: dict[date, int]) -> None:
        warehouse.replace_slices(
            META_ADS_INSIGHTS_HOURLY,
            workspace_id="ws-1",
            connection_id="conn-1",
            landed_at=landed_at,
            slices=[
                Slice(
                    WINDOW,
                    WINDOW + timedelta(minutes=15),
                    [_row("a", Decimal("1.00"))],
                    captured_days=captured_days,
                )
            ],
        )

    def logged() -> dict[date, int]:
        rows = warehouse.fetch_all(
            "SELECT captured_day, row_count FROM raw.capture_log"
            " WHERE source_table = 'meta_ads_insights_hourly' AND window_start = :window",
            {"window": WINDOW},
        )
        return {row["captured_day"]: row["row_count"] for row in rows}

    land({date(2026, 11, 20): 1, date(2026, 11, 19): 0, date(2026, 11, 18): 0})
    assert logged() == {date(2026, 11, 20): 1, date(2026, 11, 19): 0, date(2026, 11, 18): 0}
    land({date(2026, 11, 20): 1})
    assert logged() == {date(2026, 11, 20): 1}
    assert _snapshot(warehouse)["raw_rows"] == 1


def test_a_failed_landing_leaves_the_previous_slice_intact(warehouse: Warehouse) -> None:
    _land(warehouse, [_row("a", Decimal("2.50"))])
    before = _snapshot(warehouse)
    # The second row fails inside the transaction, after the old slice was deleted.
    with pytest.raises(Exception):  # noqa: B017 - the backends raise different error types
        _land(warehouse, [_row("c", Decimal("9.99")), _row("d", "not a number")])
    assert _snapshot(warehouse) == before


def test_a_table_from_before_a_new_column_takes_it_and_lands_again(warehouse: Warehouse) -> None:
    """A raw table created by an earlier version gets the columns added since (appended, as the
    rows carry them), so a warehouse keeps landing after an upgrade."""
    table = META_ADS_INSIGHTS_HOURLY
    newest = table.columns[-1][0]
    warehouse.execute(f"ALTER TABLE {table.qualified_name} DROP COLUMN {newest}")
    warehouse.ensure_raw_schema()
    columns = warehouse.fetch_all(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'raw' AND table_name = :table ORDER BY ordinal_position",
        {"table": table.name},
    )
    assert [row["column_name"] for row in columns] == [name for name, _ in table.all_columns]
    _land(warehouse, [_row("a", Decimal("2.50"))])
    assert _snapshot(warehouse)["raw_rows"] == 1
