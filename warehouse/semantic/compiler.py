"""Semantic-layer metrics compiled to SQL by MetricFlow, once per query shape, and run with the
request's values bound as parameters.

A shape is what changes the SQL: the metrics, the group-by items (the grain is one of them:
`metric_time__day`, `metric_time__month`) and which dimensions are filtered. The workspace, the
dates and the filter values never reach the SQL text: the compiled statement holds `:name`
placeholders, and each backend binds them (warehouse.connection), so no request value can
change what the statement does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any, Literal

from metricflow.dataflow.optimizer.dataflow_optimizer_factory import DataflowPlanOptimization
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.optimizer.optimization_levels import SqlOptimizationLevel
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow.sql.render.postgres import PostgresSQLSqlPlanRenderer
from metricflow.sql.render.sql_plan_renderer import SqlPlanRenderer
from metricflow_semantic_interfaces.protocols.semantic_manifest import SemanticManifest
from metricflow_semantic_interfaces.type_enums.aggregation_type import AggregationType
from metricflow_semantic_interfaces.type_enums.dimension_type import DimensionType
from metricflow_semantic_interfaces.type_enums.metric_type import MetricType
from metricflow_semantic_interfaces.type_enums.time_granularity import TimeGranularity
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

from warehouse.connection import WarehouseReader

# Every query is one workspace's, over a range of its days.
WORKSPACE_ENTITY = "workspace"
WORKSPACE_FILTER = f"{{{{ Entity('{WORKSPACE_ENTITY}') }}}} = :workspace_id"
DAYS_FILTER = "{{ TimeDimension('metric_time', 'day') }} between :start and :end"
METRIC_TIME = "metric_time"
_GRAINS = ("minute", "hour", "day", "week", "month", "quarter", "year")
# MetricFlow's O5 computes what several metrics share once, in a CTE: a semantic model's rows
# (filtered after, where they are read) and the aggregates of its measures (filtered on the
# workspace and days). PostgreSQL (12+) materializes a CTE that is read more than once, so a
# model's rows were read whole, never through the marts' (workspace_id, day) indexes (at 50
# merchants × 3 days the KPIs took 123 ms); there the CTEs not filtered on the workspace are
# inlined where they are read (`_inline_unfiltered`), and the shared aggregates still run once:
# the 30-day KPI statement 5.3 ms at O4 (every aggregate repeated) → 2.7 ms (same rows). A CTE
# read whole again fails tests/pipeline/test_dashboard_indexes.py.
_OPTIMIZATION_LEVELS = {"duckdb": SqlOptimizationLevel.O5, "postgres": SqlOptimizationLevel.O5}
_CTE = re.compile(r"\b(\w+_cte) AS \(")
# MetricFlow's pass-through metric evaluation (off by default in MetricFlow) computes a ratio from
# the sums its inputs' query already made, where the default plan aggregates a ratio's numerator
# and denominator again for each ratio: the dashboard's eleven KPIs read their four semantic
# models in 10 aggregates by default, in 5 with it (per statement at 50 merchants: DuckDB
# 6.6–8.8 → 6.0–6.5 ms, PostgreSQL 3.0 → 2.4 ms). The numbers are MetricFlow's either way (the
# suite compares every KPI with `mf query`, which plans the default way).
_DATAFLOW_OPTIMIZATIONS = DataflowPlanOptimization.all_optimizations()

# The semantic models' days are `cast(<date column> as timestamp)` (PostgreSQL's marts index that
# expression), which MetricFlow truncates to metric time at the day grain. On DuckDB the range of
# days then filters an expression, not the column, and every statement read all of a workspace's
# days; a date is its own day, so metric time reads the date itself there and the range prunes
# to the requested days by the column's zone maps (a 7-day dashboard's statements: 28 -> 22.5 ms,
# same rows; metric time comes back as a date, which readers take through `as_day`).
_CAST_DAY = re.compile(r"cast\((\w+) as timestamp\)")

# Money measures read the marts' `<amount>_workspace_currency` columns (the marts' convention):
# their sums are amounts in the workspace currency.
WORKSPACE_CURRENCY_SUFFIX = "_workspace_currency"

# `money`: a sum of amounts in the workspace currency; `ratio`: a ratio or derived metric (ROAS,
# AOV, CPC: a float from MetricFlow); `quantity`: a sum of counts (orders, conversions).
MetricUnit = Literal["money", "ratio", "quantity"]


class UnknownMetric(ValueError):
    def __init__(self, unknown: Sequence[str], allowed: Sequence[str]) -> None:
        super().__init__(f"unknown metric(s): {', '.join(unknown)}")
        self.unknown = tuple(unknown)
        self.allowed = tuple(allowed)


class UnknownDimension(ValueError):
    def __init__(self, unknown: Sequence[str], allowed: Sequence[str]) -> None:
        super().__init__(f"unknown dimension(s) for these metrics: {', '.join(unknown)}")
        self.unknown = tuple(unknown)
        self.allowed = tuple(allowed)


@dataclass(frozen=True)
class MetricQuery:
    """A query shape: metrics by group-by items, with equality filters on dimensions.

    Names are MetricFlow's: a dimension is `<entity>__<dimension>` (`ad_reporting_day__platform`),
    a time item `metric_time__<grain>`.
    """

    metrics: tuple[str, ...]
    group_by: tuple[str, ...] = ()
    filtered_dimensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricDefinition:
    """A metric as the semantic layer states it, for readers who ask what a number means."""

    name: str
    label: str
    description: str
    formula: str
    unit: MetricUnit
    # A simple metric whose measure is a sum over every dimension: its value over a union of
    # groups is the sum of the groups' values, so a reader may add up the rows of a finer
    # query instead of asking again (api/dashboard). Nothing else may be re-aggregated.
    additive: bool


@dataclass(frozen=True)
class CompiledQuery:
    sql: str
    # Placeholder of each filtered dimension, in `filtered_dimensions` order.
    filter_parameters: tuple[str, ...] = ()

    def parameters(
        self, workspace_id: str, start: date, end: date, filter_values: Sequence[Any]
    ) -> dict[str, Any]:
        return {
            "workspace_id": workspace_id,
            "start": start,
            "end": end,
            **dict(zip(self.filter_parameters, filter_values, strict=True)),
        }


class SemanticLayer:
    """The project's metrics, compiled for one backend's SQL dialect."""

    def __init__(self, manifest: SemanticManifest, backend: str) -> None:
        self._manifest = manifest
        self._optimization_level = _OPTIMIZATION_LEVELS[backend]
        # What the backend's SQL needs besides MetricFlow's (see `_CAST_DAY` and
        # `_OPTIMIZATION_LEVELS`).
        self._adapted: Callable[[str], str] = (
            partial(_with_dates_as_days, _day_rewrites(manifest))
            if backend == "duckdb"
            else _inline_unfiltered
        )
        self._engine = MetricFlowEngine(
            SemanticManifestLookup(manifest), _CompileOnlySqlClient(backend)
        )
        self._lock = threading.Lock()
        self._compiled: dict[MetricQuery, CompiledQuery] = {}
        self.metrics: dict[str, MetricDefinition] = {
            metric.name: _definition(metric, manifest) for metric in manifest.metrics
        }

    def dimensions(self, metrics: Sequence[str]) -> list[str]:
        """What the metrics can all be grouped and filtered by: their common dimensions and
        entities, and metric time at every grain."""
        self._check_metrics(metrics)
        with self._lock:
            # Metric time at any grain; another time dimension only with its grain named
            # (`sales_event__sales_window__minute`): without one MetricFlow answers it under
            # another column name (`<name>__day`).
            names: set[str] = set()
            for dimension in self._engine.simple_dimensions_for_metrics(list(metrics), ()):
                if dimension.type is not DimensionType.TIME or dimension.dunder_name.startswith(
                    f"{METRIC_TIME}__"
                ):
                    names.add(dimension.dunder_name)
                else:
                    names.update(_at_coarser_grains(dimension))
            names.update(entity.name for entity in self._engine.entities_for_metrics(list(metrics)))
        # Every query is one workspace's already.
        return sorted(names - {WORKSPACE_ENTITY})

    def compile(self, query: MetricQuery) -> CompiledQuery:
        with self._lock:
            compiled = self._compiled.get(query)
        if compiled is None:
            compiled = self._compile(query)
            with self._lock:
                self._compiled[query] = compiled
        return compiled

    def query(
        self,
        warehouse: WarehouseReader,
        query: MetricQuery,
        *,
        workspace_id: str,
        start: date,
        end: date,
        filter_values: Sequence[Any] = (),
    ) -> list[dict[str, Any]]:
        """One row per group: the group-by items and the metrics, under their names."""
        compiled = self.compile(query)
        return warehouse.fetch_all(
            compiled.sql, compiled.parameters(workspace_id, start, end, filter_values)
        )

    def _compile(self, query: MetricQuery) -> CompiledQuery:
        self._check_metrics(query.metrics)
        allowed = self.dimensions(query.metrics)
        unknown = [
            name for name in (*query.group_by, *query.filtered_dimensions) if name not in allowed
        ]
        if unknown:
            raise UnknownDimension(unknown, allowed)
        filter_parameters = tuple(f"filter_{i}" for i in range(len(query.filtered_dimensions)))
        where = [
            WORKSPACE_FILTER,
            DAYS_FILTER,
            # Compared as text, the way the values arrive: a value that is no boolean or date
            # matches nothing instead of failing the cast, on both backends alike.
            *(
                f"cast({_jinja_reference(name)} as text) = :{parameter}"
                for name, parameter in zip(
                    query.filtered_dimensions, filter_parameters, strict=True
                )
            ),
        ]
        request = MetricFlowQueryRequest.create(
            metric_names=list(query.metrics),
            group_by_names=list(query.group_by),
            where_constraints=where,
            order_by_names=[name for name in query.group_by if name.startswith(METRIC_TIME)],
            sql_optimization_level=self._optimization_level,
            dataflow_plan_optimizations=set(_DATAFLOW_OPTIMIZATIONS),
        )
        with self._lock:
            sql = self._engine.explain(request).sql_statement.sql
        return CompiledQuery(sql=self._adapted(sql), filter_parameters=filter_parameters)

    def _check_metrics(self, metrics: Sequence[str]) -> None:
        unknown = [name for name in metrics if name not in self.metrics]
        if unknown or not metrics:
            raise UnknownMetric(unknown, sorted(self.metrics))


def as_day(value: date | datetime) -> date:
    """A `metric_time__day` value as a date: a timestamp on PostgreSQL (the semantic models'
    days are timestamps, for its indexes), the model's date on DuckDB (see `_CAST_DAY`)."""
    return value.date() if isinstance(value, datetime) else value


def _day_rewrites(manifest: SemanticManifest) -> dict[str, str]:
    """MetricFlow's metric time at the day grain over each semantic model's day column, and that
    column as a date (see `_CAST_DAY`)."""
    rewrites = {}
    for semantic_model in manifest.semantic_models:
        for dimension in semantic_model.dimensions:
            if (
                dimension.type is DimensionType.TIME
                and dimension.type_params is not None
                and dimension.type_params.time_granularity is TimeGranularity.DAY
                and (cast := _CAST_DAY.fullmatch((dimension.expr or "").strip()))
            ):
                alias = f"AS {METRIC_TIME}__day"
                rewrites[f"DATE_TRUNC('day', {cast.group(0)}) {alias}"] = (
                    f"cast({cast.group(1)} as date) {alias}"
                )
    return rewrites


def _with_dates_as_days(rewrites: dict[str, str], sql: str) -> str:
    for truncated, day in rewrites.items():
        sql = sql.replace(truncated, day)
    return sql


def _inline_unfiltered(sql: str) -> str:
    """Each CTE of `sql` whose body does not filter on the workspace, `NOT MATERIALIZED`: read
    where it is used, with the filters applied there (PostgreSQL; see `_OPTIMIZATION_LEVELS`)."""
    pieces, done = [], 0
    for cte in _CTE.finditer(sql):
        body_end = _closing_parenthesis(sql, cte.end() - 1)
        if ":workspace_id" not in sql[cte.end() : body_end]:
            pieces += [sql[done : cte.end() - 1], "NOT MATERIALIZED ("]
            done = cte.end()
    return "".join([*pieces, sql[done:]])


def _closing_parenthesis(sql: str, opening: int) -> int:
    """Where the parenthesis opened at `opening` closes, past `--` comments and quoted text."""
    depth, position = 0, opening
    while position < len(sql):
        char = sql[position]
        if sql.startswith("--", position):
            position = sql.find("\n", position)
            if position < 0:
                break
        elif char in "'\"":
            position = sql.index(char, position + 1)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    raise ValueError(f"unbalanced parentheses in MetricFlow's SQL from {opening}")


def _at_coarser_grains(dimension: Any) -> list[str]:
    """A time dimension's names at its own grain and every coarser one (`__day`, `__month`)."""
    grain = dimension.type_params.time_granularity
    return [
        f"{dimension.dunder_name}__{coarser.value}"
        for coarser in TimeGranularity
        if coarser.to_int() >= grain.to_int() and coarser.value in _GRAINS
    ]


def _jinja_reference(dimension: str) -> str:
    # Names were checked against the manifest's own dimensions, so they hold no quotes.
    name, _, grain = dimension.rpartition("__")
    if grain in _GRAINS:
        return f"{{{{ TimeDimension('{name}', '{grain}') }}}}"
    return f"{{{{ Dimension('{dimension}') }}}}"


def _definition(metric: Any, manifest: SemanticManifest) -> MetricDefinition:
    return MetricDefinition(
        name=metric.name,
        label=metric.label or metric.name,
        description=" ".join((metric.description or "").split()),
        formula=_formula(metric, manifest),
        unit=_unit(metric, manifest),
        additive=_additive(metric, manifest),
    )


def _formula(metric: Any, manifest: SemanticManifest) -> str:
    """The metric's definition as the semantic layer writes it, in one line."""
    params = metric.type_params
    if metric.type is MetricType.RATIO:
        return f"{params.numerator.name} / {params.denominator.name}"
    if metric.type is MetricType.DERIVED:
        return " ".join(params.expr.split())
    found = _measure(metric, manifest)
    if found is None:
        return params.measure.name if params.measure else metric.name
    semantic_model, measure = found
    expression = " ".join((measure.expr or measure.name).split())
    formula = f"{measure.agg.value}({expression}) over {semantic_model.name}"
    if metric.filter:
        conditions = " and ".join(where.where_sql_template for where in metric.filter.where_filters)
        formula += f" where {conditions}"
    return formula


def _unit(metric: Any, manifest: SemanticManifest) -> MetricUnit:
    if metric.type in (MetricType.RATIO, MetricType.DERIVED):
        return "ratio"
    found = _measure(metric, manifest)
    if found and (found[1].expr or found[1].name).strip().endswith(WORKSPACE_CURRENCY_SUFFIX):
        return "money"
    return "quantity"


def _additive(metric: Any, manifest: SemanticManifest) -> bool:
    if metric.type is not MetricType.SIMPLE:
        return False
    found = _measure(metric, manifest)
    return (
        found is not None
        and found[1].agg is AggregationType.SUM
        and found[1].non_additive_dimension is None
    )


def _measure(metric: Any, manifest: SemanticManifest) -> tuple[Any, Any] | None:
    """A simple metric's (semantic model, measure)."""
    params = metric.type_params
    measure_name = params.measure.name if params.measure else metric.name
    for semantic_model in manifest.semantic_models:
        for measure in semantic_model.measures:
            if measure.name == measure_name:
                return semantic_model, measure
    return None


class _CompileOnlySqlClient:
    """What MetricFlow needs to write SQL for a dialect; queries run on our own readers."""

    def __init__(self, backend: str) -> None:
        renderers: dict[str, tuple[SqlEngine, SqlPlanRenderer]] = {
            "duckdb": (SqlEngine.DUCKDB, DuckDbSqlPlanRenderer()),
            "postgres": (SqlEngine.POSTGRES, PostgresSQLSqlPlanRenderer()),
        }
        self._engine_type, self._renderer = renderers[backend]

    @property
    def sql_engine_type(self) -> SqlEngine:
        return self._engine_type

    @property
    def sql_plan_renderer(self) -> SqlPlanRenderer:
        return self._renderer

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f":{bind_parameter_key}"

    def query(self, *_: object, **__: object) -> Any:
        raise NotImplementedError("compile only: run the SQL on a warehouse reader")

    execute = dry_run = query

    def close(self) -> None:
        pass
