"""Every dbt model as a Dagster asset, built for the run's window range."""

import json
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, BackfillPolicy
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.defs.dbt.project import dbt_project, ensure_manifest
from orchestration.lib.resources import WarehouseResource
from orchestration.partitions import fifteen_minute_partitions
from warehouse.connection import DuckDBWarehouse
from warehouse.serving import publish_serving_copy

translator = DagsterDbtTranslator(
    settings=DagsterDbtTranslatorSettings(
        # Each source's landing_log maps onto the ingestion asset that writes it.
        enable_duplicate_source_asset_keys=True,
    )
)


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    partitions_def=fifteen_minute_partitions(),
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=translator,
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
