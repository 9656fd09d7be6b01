"""The ads (their workspace-local days included), shop, attribution and coverage marts built
incrementally equal a full refresh (on DuckDB; see the test for PostgreSQL): the session
pipeline lands its range in two runs (the second build incremental on the first), then this
test runs the warehouse job with the launchpad's full-refresh option for the same days and
compares every row.

The rebuild replaces the session's tables in place (a copy of a PostgreSQL database cannot be
taken while anything else is connected to it); when the test passes their rows are unchanged
for the tests after it.
"""

from __future__ import annotations

from collections import Counter

import pytest

from stack.demo import build_warehouse
from tests.helpers import RUN_RANGE, execute_on_warehouse
from tests.pipeline.conftest import PipelineRun

INCREMENTAL_MODELS = (
    "intermediate.int_ad_hourly",
    "marts.fct_ad_reporting_hourly",
    "marts.fct_ad_reporting_daily",
    "intermediate.int_sessions",
    "marts.fct_orders",
    "marts.fct_refunds",
    "marts.fct_sales",
    "marts.dim_customers",
    "marts.fct_shop_kpis_daily",
    "marts.fct_attribution_credits",
    "marts.fct_landing_coverage_daily",
)
# Rebuilt in full on every build; compared because it aggregates the incremental ones.
DOWNSTREAM_MODELS = ("marts.fct_attributed_performance_daily",)


def _rows(run: PipelineRun, relation: str) -> Counter[tuple]:
    return Counter(tuple(row.values()) for row in run.read(f"SELECT * FROM {relation}"))


def _add_an_order_no_landing_mentions(run: PipelineRun) -> None:
    """A copy of an order under another id, landed long ago: incremental builds never touch
    it, only a rebuild from what landed drops it."""
    columns = [
        row["column_name"]
        for row in run.read(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = 'marts' AND table_name = 'fct_orders'"
            " ORDER BY ordinal_position"
        )
    ]
    replaced = {
        "order_id": "'not-landed'",
        "last_landed_at": "cast('2000-01-01 00:00:00+00' as timestamptz)",
    }
    selected = ", ".join(replaced.get(column, column) for column in columns)
    execute_on_warehouse(
        run.settings.warehouse_url,
        f"INSERT INTO marts.fct_orders ({', '.join(columns)})"
        f" SELECT {selected} FROM marts.fct_orders LIMIT 1",
    )


# On DuckDB: PostgreSQL's incremental builds are compared with a full refresh of every model by
# test_propagation, and the ads marts' by test_ad_marts (same SQL, the adapters' macros).
@pytest.mark.parametrize("pipeline_run", ["duckdb"], indirect=True, scope="session")
def test_a_full_refresh_equals_the_incremental_builds(pipeline_run: PipelineRun) -> None:
    assert pipeline_run.succeeded
    models = INCREMENTAL_MODELS + DOWNSTREAM_MODELS
    incremental = {relation: _rows(pipeline_run, relation) for relation in models}
    assert incremental["marts.fct_attribution_credits"], "nothing was credited"
    _add_an_order_no_landing_mentions(pipeline_run)
    assert build_warehouse(
        pipeline_run.definitions, pipeline_run.instance, RUN_RANGE, full_refresh=True
    ).success
    for relation in models:
        rebuilt = _rows(pipeline_run, relation)
        missing = incremental[relation] - rebuilt
        extra = rebuilt - incremental[relation]
        assert not missing and not extra, (
            relation,
            sorted(missing, key=repr)[:5],
            sorted(extra, key=repr)[:5],
        )
