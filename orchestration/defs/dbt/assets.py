"""Every dbt model as a Dagster asset, partitioned by UTC day and built for the run's days."""

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.project import dbt_project, ensure_manifest
from orchestration.lib.dbt_translator import MetricxDbtTranslator
from orchestration.lib.pools import WAREHOUSE_WRITES_POOL
from orchestration.lib.resources import WarehouseResource
from orchestration.partitions import daily_partitions
from warehouse.connection import DuckDBWarehouse
from warehouse.serving import publish_serving_copy


@cache
def metricx_dbt_models(partitions_start: str) -> AssetsDefinition:
    @dbt_assets(
        manifest=ensure_manifest(),
        project=dbt_project,
        partitions_def=daily_partitions(partitions_start),
        # A backfill of any number of days is one dbt build: the models are incremental on what
        # landed, so one build covers every day at once.
        backfill_policy=BackfillPolicy.single_run(),
        dagster_dbt_translator=MetricxDbtTranslator(),
        pool=WAREHOUSE_WRITES_POOL,
    )
    def metricx_dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ) -> Iterator[Any]:
        time_window = context.partition_time_window
        dbt_vars = {
            "window_start": time_window.start.isoformat(),
            "window_end": time_window.end.isoformat(),
        }
        with warehouse.dbt_environment():
            invocation = dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context)
        yield from invocation.stream()
        with warehouse.open() as built:
            if isinstance(built, DuckDBWarehouse):
                path = publish_serving_copy(built)
                context.log.info(f"Published the marts for readers at {path}")

    return metricx_dbt_models
