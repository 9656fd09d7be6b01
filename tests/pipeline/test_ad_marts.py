"""What the ad marts promise beyond the platforms' figures: money in the workspace's currency at
the seeded FX rate, daily rows that are the sum of the hourly ones, snapshot compaction that
keeps every day's totals, and incremental builds that give exactly what a full refresh gives."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from orchestration.defs.dbt.project import DBT_PROJECT_DIR
from tests.helpers import RUN_RANGE, execute_on_warehouse, read_warehouse, run_dbt
from tests.pipeline.conftest import PipelineRun

RATE_PLACES = Decimal("0.0000000001")
MONEY_PLACES = Decimal("0.0001")
ADS_MODELS = (
    "intermediate.int_ad_hourly",
    "marts.fct_ad_reporting_hourly",
    "marts.fct_ad_reporting_daily",
    "marts.dim_ad_entities",
    "marts.fct_metric_snapshots",
)
ADS_RAW_TABLES = (
    "raw.meta_ads_insights_hourly",
    "raw.google_ads_ad_group_hourly",
    "raw.meta_ads_entities",
    "raw.google_ads_entities",
)


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
    rows = pipeline_run.read(
        "SELECT rate_date, from_currency, to_currency, rate FROM intermediate.int_fx_rates_daily"
        " WHERE rate_date IN (:friday, :saturday)",
        {"friday": saturday - timedelta(days=1), "saturday": saturday},
    )
    assert len(rows) == 2 * 5 * 5
    for row in rows:
        expected = _seeded_rate(row["rate_date"], row["from_currency"], row["to_currency"])
        assert Decimal(row["rate"]) == expected, row


def test_workspace_currency_amounts_use_the_seeded_rate(pipeline_run: PipelineRun) -> None:
    rows = pipeline_run.read(
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
    hourly = pipeline_run.read(
        f"SELECT {keys}, {sums} FROM marts.fct_ad_reporting_hourly GROUP BY {keys}"
    )
    daily = pipeline_run.read(
        f"SELECT {keys}, {sums} FROM marts.fct_ad_reporting_daily GROUP BY {keys}"
    )
    assert hourly

    def normalized(rows: list[dict]) -> set[tuple]:
        return {
            tuple(Decimal(v) if isinstance(v, int | float) else v for v in r.values()) for r in rows
        }

    assert normalized(daily) == normalized(hourly)


def _compacted_snapshots_sql(run: PipelineRun, tmp_path: Path, as_of: str) -> str:
    """The snapshot model compiled as a build at `as_of` would run it, to read without writing."""
    run_dbt(
        run.settings.warehouse_url,
        tmp_path,
        "compile",
        "--quiet",
        "--select",
        "fct_metric_snapshots",
        "--vars",
        json.dumps({"snapshot_compaction_as_of": as_of}),
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
    before = pipeline_run.read(day_totals.format(relation="marts.fct_metric_snapshots"))
    after = pipeline_run.read(day_totals.format(relation=f"({sql}) AS compacted"))

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


# On PostgreSQL: DuckDB's incremental ads builds are compared with a full refresh by
# test_incremental_marts and test_propagation (same SQL, the adapters' macros).
@pytest.mark.parametrize("pipeline_run", ["postgres"], indirect=True, scope="session")
def test_incremental_builds_equal_a_full_refresh(warehouse_copy: str, tmp_path: Path) -> None:
    """The ads models built from the run's first ten hours, then incrementally after the last
    two hours land (today's captures, and on the hour Meta's restatement of the days before)
    while captures cross the hourly compaction cutoff, equal a full refresh of everything."""
    held_back_from = f"cast('{(RUN_RANGE.end - timedelta(hours=2)).isoformat()}' as timestamptz)"
    # Compaction ages rows against these instants: between the builds, the run's third and
    # fourth hours cross the 7-day cutoff, so the incremental build must fold them too.
    first_as_of = RUN_RANGE.start + timedelta(days=7, hours=2)
    later_as_of = first_as_of + timedelta(hours=2)
    models = [name.split(".")[1] for name in ADS_MODELS]

    def build(as_of: datetime, *flags: str) -> None:
        # No landing margin: every landing here happens within minutes, so the default margin
        # would rebuild every key and leave the choice of keys untested.
        build_vars = {
            "snapshot_compaction_as_of": as_of.isoformat(),
            "ads_landing_margin_minutes": 0,
        }
        run_dbt(
            warehouse_copy,
            tmp_path,
            "run",
            "--select",
            *models,
            "--vars",
            json.dumps(build_vars),
            *flags,
        )

    def count(sql: str, params: dict | None = None) -> int:
        return read_warehouse(warehouse_copy, f"SELECT count(*) AS n FROM {sql}", params)[0]["n"]

    execute_on_warehouse(
        warehouse_copy,
        "CREATE SCHEMA held_back",
        *(
            statement
            for table in ADS_RAW_TABLES
            for statement in (
                f"CREATE TABLE held_back.{table.split('.')[1]} AS"
                f" SELECT * FROM {table} WHERE window_start >= {held_back_from}",
                f"DELETE FROM {table} WHERE window_start >= {held_back_from}",
            )
        ),
    )
    build(first_as_of, "--full-refresh")
    first_landed_at = read_warehouse(
        warehouse_copy, "SELECT max(landed_at) AS landed_at FROM marts.fct_ad_reporting_hourly"
    )[0]["landed_at"]
    first_hours = count("marts.fct_ad_reporting_hourly")
    first_folded = count("marts.fct_metric_snapshots WHERE grain = '1h'")

    # The held-back slices land after that build, as the next windows would.
    landings = []
    for table in ADS_RAW_TABLES:
        schema, name = table.split(".")
        columns = [
            row["column_name"]
            for row in read_warehouse(
                warehouse_copy,
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = :schema AND table_name = :name ORDER BY ordinal_position",
                {"schema": schema, "name": name},
            )
        ]
        landed = ", ".join(
            "landed_at + interval '1 day'" if column == "landed_at" else column
            for column in columns
        )
        landings.append(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {landed} FROM held_back.{name}"
        )
    execute_on_warehouse(warehouse_copy, *landings)
    build(later_as_of)
    execute_on_warehouse(
        warehouse_copy,
        "CREATE SCHEMA incremental_build",
        *(
            f"CREATE TABLE incremental_build.{model.split('.')[1]} AS SELECT * FROM {model}"
            for model in ADS_MODELS
        ),
    )
    build(later_as_of, "--full-refresh")

    # Not vacuous: the incremental build added the late hours, kept the days nothing landed
    # for, replaced the ones restated, and folded the captures that aged past the cutoff.
    daily = "incremental_build.fct_ad_reporting_daily"
    assert count(f"{daily} WHERE landed_at > :first", {"first": first_landed_at}) > 0
    assert count(f"{daily} WHERE landed_at <= :first", {"first": first_landed_at}) > 0
    assert count("incremental_build.fct_ad_reporting_hourly") > first_hours
    assert count("incremental_build.fct_metric_snapshots WHERE grain = '1h'") > first_folded > 0

    for model in ADS_MODELS:
        incremental = f"incremental_build.{model.split('.')[1]}"
        for left, right in ((incremental, model), (model, incremental)):
            differing = read_warehouse(
                warehouse_copy, f"SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right}"
            )
            assert differing == [], f"{model}: rows of {left} missing from {right}"
