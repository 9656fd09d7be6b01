"""What the ad marts promise beyond the platforms' figures: money in the workspace's currency at
the seeded FX rate, daily rows that are the sum of the hourly ones, and snapshot compaction that
keeps every day's totals."""

from __future__ import annotations

import csv
import json
import subprocess
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from orchestration.defs.dbt.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from tests.helpers import RUN_RANGE
from tests.pipeline.conftest import PipelineRun
from warehouse.connection import open_warehouse
from warehouse.url import parse_warehouse_url

RATE_PLACES = Decimal("0.0000000001")
MONEY_PLACES = Decimal("0.0001")


def _read(run: PipelineRun, sql: str, params: dict | None = None) -> list[dict]:
    warehouse = open_warehouse(run.settings.warehouse_url)
    try:
        return warehouse.fetch_all(sql, params)
    finally:
        warehouse.close()


def _seeded_rate(day: date, from_currency: str, to_currency: str) -> Decimal:
    """1 from_currency in to_currency on `day`, straight from the seed: EUR-based rates crossed
    through EUR, the last publication on or before the day."""
    per_euro: dict[str, tuple[date, Decimal]] = {}
    with (DBT_PROJECT_DIR / "seeds" / "fx_rates.csv").open() as seed:
        for row in csv.DictReader(seed):
            published = date.fromisoformat(row["rate_date"])
            if published <= day:
                per_euro[row["quote_currency"]] = (published, Decimal(row["rate"]))
    per_euro["EUR"] = (day, Decimal(1))
    if from_currency == to_currency:
        return Decimal(1)
    return (per_euro[to_currency][1] / per_euro[from_currency][1]).quantize(
        RATE_PLACES, rounding=ROUND_HALF_UP
    )


def test_fx_rates_carry_the_last_publication_over_weekends(pipeline_run: PipelineRun) -> None:
    saturday = date(2026, 11, 21)
    rows = _read(
        pipeline_run,
        "SELECT rate_date, from_currency, to_currency, rate FROM intermediate.int_fx_rates_daily"
        " WHERE rate_date IN (:friday, :saturday)",
        {"friday": saturday - timedelta(days=1), "saturday": saturday},
    )
    assert len(rows) == 2 * 5 * 5
    for row in rows:
        expected = _seeded_rate(row["rate_date"], row["from_currency"], row["to_currency"])
        assert Decimal(row["rate"]) == expected, row


def test_workspace_currency_amounts_use_the_seeded_rate(pipeline_run: PipelineRun) -> None:
    rows = _read(
        pipeline_run,
        "SELECT date_day, currency, workspace_currency, spend, spend_workspace_currency,"
        " conversion_value, conversion_value_workspace_currency"
        " FROM marts.fct_ad_reporting_hourly",
    )
    assert rows
    for row in rows:
        rate = _seeded_rate(row["date_day"], row["currency"], row["workspace_currency"])
        for amount, converted in (
            ("spend", "spend_workspace_currency"),
            ("conversion_value", "conversion_value_workspace_currency"),
        ):
            expected = (Decimal(row[amount]) * rate).quantize(MONEY_PLACES, ROUND_HALF_UP)
            assert Decimal(row[converted]) == expected, row


def test_daily_reporting_is_the_sum_of_hourly(pipeline_run: PipelineRun) -> None:
    sums = (
        "sum(spend) AS spend, sum(impressions) AS impressions, sum(clicks) AS clicks,"
        " sum(conversions) AS conversions, sum(conversion_value) AS conversion_value,"
        " sum(spend_workspace_currency) AS spend_workspace_currency"
    )
    keys = "workspace_id, platform, connection_id, date_day, campaign_id, ad_group_id, ad_id"
    hourly = _read(
        pipeline_run, f"SELECT {keys}, {sums} FROM marts.fct_ad_reporting_hourly GROUP BY {keys}"
    )
    daily = _read(
        pipeline_run, f"SELECT {keys}, {sums} FROM marts.fct_ad_reporting_daily GROUP BY {keys}"
    )
    assert hourly

    def normalized(rows: list[dict]) -> set[tuple]:
        return {
            tuple(Decimal(v) if isinstance(v, int | float) else v for v in r.values()) for r in rows
        }

    assert normalized(daily) == normalized(hourly)


def _compacted_snapshots_sql(run: PipelineRun, tmp_path: Path, as_of: str) -> str:
    """The snapshot model compiled as a build at `as_of` would run it, to read without writing."""
    env = {
        "PATH": "",
        "HOME": str(tmp_path),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        **parse_warehouse_url(run.settings.warehouse_url).dbt_env(),
    }
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "compile",
            "--quiet",
            "--select",
            "fct_metric_snapshots",
            "--vars",
            json.dumps({"snapshot_compaction_as_of": as_of}),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    compiled = next((tmp_path / "target" / "compiled").rglob("fct_metric_snapshots.sql"))
    return compiled.read_text()


def test_compaction_keeps_every_days_totals(pipeline_run: PipelineRun, tmp_path: Path) -> None:
    # Aged so the run's first six hours fold into days and the rest into hours.
    as_of = RUN_RANGE.start + timedelta(days=90, hours=6)
    sql = _compacted_snapshots_sql(pipeline_run, tmp_path, as_of.isoformat())
    day_totals = (
        "SELECT connection_id, ad_entity_id, report_date, grain, count(*) AS row_count,"
        " sum(spend_delta) AS spend, sum(impressions_delta) AS impressions,"
        " sum(clicks_delta) AS clicks, sum(conversions_delta) AS conversions,"
        " sum(conversion_value_delta) AS conversion_value,"
        " sum(spend_delta_workspace_currency) AS spend_workspace_currency"
        " FROM {relation} GROUP BY connection_id, ad_entity_id, report_date, grain"
    )
    before = _read(pipeline_run, day_totals.format(relation="marts.fct_metric_snapshots"))
    after = _read(pipeline_run, day_totals.format(relation=f"({sql}) AS compacted"))

    def totals(rows: list[dict]) -> dict[tuple, tuple]:
        summed: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 6)
        for row in rows:
            key = (row["connection_id"], row["ad_entity_id"], row["report_date"])
            values = [
                row[name]
                for name in (
                    "spend",
                    "impressions",
                    "clicks",
                    "conversions",
                    "conversion_value",
                    "spend_workspace_currency",
                )
            ]
            summed[key] = [a + Decimal(b) for a, b in zip(summed[key], values, strict=True)]
        return {key: tuple(values) for key, values in summed.items()}

    assert {row["grain"] for row in before} == {"15m"}
    assert {row["grain"] for row in after} == {"1d", "1h"}
    assert sum(row["row_count"] for row in after) < sum(row["row_count"] for row in before)
    assert totals(after) == totals(before)
