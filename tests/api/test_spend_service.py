from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from api.reporting.periods import InvalidPeriod, Period
from api.spend.service import DaySpend, daily_spend, resolve_period
from tests.api.conftest import build_marts, coverage_rows, mart_rows
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import SemanticLayer
from warehouse.semantic.manifest import load_semantic_manifest
from warehouse.serving import open_serving_reader


def test_resolve_period_defaults_and_limits() -> None:
    today = date(2026, 11, 25)

    assert resolve_period(None, None, today).start == date(2026, 10, 27)
    assert resolve_period(None, date(2026, 1, 30), today).start == date(2026, 1, 1)
    assert resolve_period(date(2026, 11, 20), None, today).end == today
    leap_year = resolve_period(date(2024, 1, 1), date(2024, 12, 31), today)
    assert len(list(leap_year.days())) == 366
    with pytest.raises(InvalidPeriod):
        resolve_period(date(2026, 11, 26), None, today)


@pytest.fixture(params=["duckdb", "postgres"])
def served_marts(
    request: pytest.FixtureRequest, tmp_path: Path, workspace_ids: dict[str, str]
) -> Iterator[WarehouseReader]:
    """The test marts on each warehouse backend, through the reader the API uses."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    else:
        url = request.getfixturevalue("create_postgres_database")("warehouse")
    build_marts(url, mart_rows(workspace_ids), coverage_rows(workspace_ids))
    reader = open_serving_reader(url)
    yield reader
    reader.close()


def test_daily_spend_sums_per_day_on_every_backend(
    served_marts: WarehouseReader, workspace_ids: dict[str, str]
) -> None:
    period = Period(date(2026, 11, 16), date(2026, 11, 21))

    days = daily_spend(_semantic_layer(served_marts), served_marts, workspace_ids["demo-1"], period)

    assert days == [
        DaySpend(date(2026, 11, 16), None, "missing"),
        DaySpend(date(2026, 11, 17), Decimal("999.00"), "partial"),
        DaySpend(date(2026, 11, 18), Decimal("12.75"), "partial"),
        DaySpend(date(2026, 11, 19), Decimal("0.00"), "complete"),
        DaySpend(date(2026, 11, 20), Decimal("100.01"), "complete"),
        DaySpend(date(2026, 11, 21), Decimal("0.00"), "partial"),
    ]


def test_a_workspace_without_ad_connections_has_every_day_missing(
    served_marts: WarehouseReader,
) -> None:
    period = Period(date(2026, 11, 16), date(2026, 11, 21))

    semantic_layer = _semantic_layer(served_marts)
    assert daily_spend(semantic_layer, served_marts, "no-such-workspace", period) == [
        DaySpend(day, None, "missing") for day in period.days()
    ]


def _semantic_layer(reader: WarehouseReader) -> SemanticLayer:
    return SemanticLayer(load_semantic_manifest(), reader.backend)
