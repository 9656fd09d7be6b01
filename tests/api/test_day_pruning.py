"""On DuckDB a semantic-layer statement's day range filters the mart's date column itself, so
the column's zone maps keep the scan to the requested days; on every backend the days are the
same."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.api.conftest import build_marts, coverage_rows, mart_rows
from warehouse.semantic.compiler import MetricQuery, SemanticLayer, as_day
from warehouse.semantic.manifest import load_semantic_manifest
from warehouse.serving import open_serving_reader

_SPEND_BY_DAY = MetricQuery(("spend",), ("metric_time__day",))


def test_the_day_range_reaches_the_date_columns_scan(
    tmp_path: Path, workspace_ids: dict[str, str]
) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    build_marts(url, mart_rows(workspace_ids), coverage_rows(workspace_ids))
    compiled = SemanticLayer(load_semantic_manifest(), "duckdb").compile(_SPEND_BY_DAY)
    parameters = compiled.parameters(
        workspace_ids["demo-1"], date(2026, 11, 18), date(2026, 11, 20), ()
    )
    # Through the API's own reader: its optimizer settings are the plan's too.
    reader = open_serving_reader(url)
    try:
        [explained] = reader.fetch_all(f"EXPLAIN {compiled.sql}", parameters)
        rows = SemanticLayer(load_semantic_manifest(), "duckdb").query(
            reader,
            _SPEND_BY_DAY,
            workspace_id=workspace_ids["demo-1"],
            start=date(2026, 11, 18),
            end=date(2026, 11, 20),
        )
    finally:
        reader.close()
    plan = explained["explain_value"]
    scan = plan[plan.index("fct_ad_reporting_hourly") :]
    assert "(workspace_date_day >= '2026-11-18'::DATE)" in scan, plan
    assert "date_trunc" not in scan.lower(), plan
    assert sorted(as_day(row["metric_time__day"]) for row in rows) == [
        date(2026, 11, 18),
        date(2026, 11, 20),
    ]
