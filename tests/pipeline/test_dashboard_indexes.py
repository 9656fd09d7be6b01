"""On PostgreSQL the dashboard reads the marts through their covering (workspace, day) indexes
alone, each scan bounded by the workspace and the period's days (dbt macro
`index_by_workspace_and_date`): a metric that reads a column the index does not carry sends
every row of the workspace to a heap page of its own (~50 ms at 50 merchants instead of ~4),
and a day predicate the index cannot take reads all of the workspace's entries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from api.dashboard import service
from api.freshness.service import WorkspaceFreshness
from api.reporting.attribution import DEFAULT_ATTRIBUTION_MODEL
from api.reporting.dependencies import Periods
from api.reporting.periods import Period, ReportRange
from tests.helpers import RUN_RANGE
from tests.pipeline.conftest import PipelineRun
from warehouse.connection import Params, WarehouseReader, to_psycopg_sql
from warehouse.semantic.compiler import SemanticLayer
from warehouse.semantic.manifest import load_semantic_manifest
from warehouse.serving import open_serving_reader
from warehouse.url import parse_warehouse_url

COVERED_MARTS = {
    "fct_sales",
    "fct_orders",
    "fct_ad_reporting_hourly",
    "fct_attributed_performance_daily",
    "fct_metric_snapshots",
}


class _Recording:
    """A reader that keeps each statement it runs, with its parameters."""

    def __init__(self, reader: WarehouseReader) -> None:
        self.backend = reader.backend
        self._reader = reader
        self.statements: list[tuple[str, Params]] = []

    def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        self.statements.append((sql, params))
        return self._reader.fetch_all(sql, params)

    def published_version(self) -> str | None:
        return self._reader.published_version()

    def close(self) -> None:
        self._reader.close()


@pytest.fixture
def postgres_run(pipeline_run: PipelineRun) -> Iterator[PipelineRun]:
    if pipeline_run.backend != "postgres":
        pytest.skip("DuckDB has no indexes: it prunes the sorted serving copy by zone maps")
    yield pipeline_run


def _statements(run: PipelineRun, period: Period) -> list[tuple[str, Params]]:
    url = run.settings.warehouse_url
    reader = _Recording(open_serving_reader(url))
    now = datetime.now(UTC)
    try:
        for workspace_id in run.workspace_ids.values():
            service.build_dashboard(
                SemanticLayer(load_semantic_manifest(), "postgres"),
                reader,
                service.DashboardRequest(
                    workspace_id=workspace_id,
                    currency="USD",
                    timezone="UTC",
                    periods=Periods(ReportRange.CUSTOM, period, period.previous(), period.end),
                    attribution_model=DEFAULT_ATTRIBUTION_MODEL,
                    provider=None,
                    shop_connected=True,
                    now=now,
                ),
                lambda: WorkspaceFreshness(as_of=now, sources=[]),
            )
    finally:
        reader.close()
    return reader.statements


def _scans(plan: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    if "Relation Name" in plan:
        yield plan["Relation Name"], plan["Node Type"], plan.get("Index Cond", "")
    for child in plan.get("Plans", []):
        yield from _scans(child)


def test_the_dashboard_reads_the_marts_from_their_indexes_alone(
    postgres_run: PipelineRun,
) -> None:
    last = RUN_RANGE.end.date()
    # A single day is drawn from the metric snapshots, longer periods from the daily marts.
    periods = (Period(last, last), Period(last - timedelta(days=6), last))
    statements = [sql for period in periods for sql in _statements(postgres_run, period)]
    dsn = parse_warehouse_url(postgres_run.settings.warehouse_url).postgres_dsn
    with psycopg.connect(dsn, autocommit=True) as connection:
        for mart in sorted(COVERED_MARTS):
            # The visibility map, as autovacuum keeps it: without it an index-only scan costs
            # as much as reading the heap, and the planner may take either.
            connection.execute(f"VACUUM ANALYZE marts.{mart}")
        # Tables this small are cheapest read whole; what is asked is whether the index could
        # answer alone, so the scans that read the heap anyway are off.
        connection.execute("SET enable_seqscan = off")
        connection.execute("SET enable_bitmapscan = off")
        scanned = set()
        for sql, params in statements:
            [[plans]] = connection.execute(
                f"EXPLAIN (FORMAT JSON) {to_psycopg_sql(sql)}", params
            ).fetchall()
            for relation, node, condition in _scans(plans[0]["Plan"]):
                if relation in COVERED_MARTS:
                    scanned.add(relation)
                    assert node == "Index Only Scan", (relation, node, sql)
                    # The period bounds the scan, not only the workspace: at 90 days of history
                    # a scan of all the workspace's entries cost 3 ms, a dozen of them per KPI row.
                    assert "workspace_id" in condition and "date_trunc" in condition, (
                        relation,
                        condition,
                    )
    assert scanned == COVERED_MARTS
