"""Every dbt node as a Dagster asset, in two `@dbt_assets` that never mix partitions.

The models that read landed windows (everything downstream of a landing source) are partitioned
by UTC day and built for the run's days. The rest depends on no window and is built whole: the
fx rates seed and its daily rates, the workspace settings copied from the app database, the
MetricFlow time spine.

No `from __future__ import annotations` here: Dagster reads the context and config annotations
of the asset functions at definition time.
"""

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    Config,
    TimeWindowPartitionsDefinition,
)
from dagster_dbt import DbtCliResource, dbt_assets
from pydantic import Field

from orchestration.defs.dbt.project import BUILD_COMMAND, dbt_project
from orchestration.lib.dbt_translator import MARTS, MetricxDbtTranslator
from orchestration.lib.pools import WAREHOUSE_WRITES_POOL
from orchestration.lib.resources import WarehouseResource
from warehouse.serving import publish_marts

# The dbt sources (models/staging/*/_*__sources.yml) that Dagster lands in 15-minute windows; the
# app source is a whole copy. A new landing source is added here, or its models would be built
# unpartitioned (tests/orchestration/test_dbt_assets.py notices).
LANDING_SOURCES = ("meta_ads", "google_ads", "shopify")
LANDED_WINDOW_MODELS = " ".join(f"source:{source}+" for source in LANDING_SOURCES)


# The op names of the two `@dbt_assets` below (their functions' names): a run's config for
# DbtBuildConfig is keyed by them.
DBT_BUILD_OPS = ("dbt_daily_models", "dbt_unpartitioned_models")


class DbtBuildConfig(Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild the incremental models and seeds from everything landed "
        "(`dbt build --full-refresh`) instead of adding what landed since the last build: after "
        "a model's logic changed or a landing was repaired. Takes as long as a first build.",
    )


@cache
def build_dbt_assets(
    partitions_def: TimeWindowPartitionsDefinition,
) -> tuple[AssetsDefinition, AssetsDefinition]:
    """The landed-window models partitioned by `partitions_def`, and the unpartitioned rest.

    Cached so that jobs and schedules selecting them refer to the same asset objects.
    """
    manifest = Path(dbt_project.manifest_path)
    if not manifest.exists():
        raise FileNotFoundError(
            f"No dbt manifest at {manifest}: call "
            "orchestration.defs.dbt.project.prepare_dbt_manifest() before building the "
            "definitions, or run `cd dbt_project && ../.venv/bin/dbt parse --profiles-dir .`."
        )
    translator = MetricxDbtTranslator()

    @dbt_assets(
        manifest=manifest,
        project=dbt_project,
        select=LANDED_WINDOW_MODELS,
        partitions_def=partitions_def,
        # A backfill of any number of days is one dbt build: the models are incremental on what
        # landed, so one build covers every day at once.
        backfill_policy=BackfillPolicy.single_run(),
        dagster_dbt_translator=translator,
        pool=WAREHOUSE_WRITES_POOL,
    )
    def dbt_daily_models(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        config: DbtBuildConfig,
    ) -> Iterator[Any]:
        time_window = context.partition_time_window
        dbt_vars = {
            "window_start": time_window.start.isoformat(),
            "window_end": time_window.end.isoformat(),
        }
        yield from _build(context, dbt, warehouse, config, ["--vars", json.dumps(dbt_vars)])

    @dbt_assets(
        manifest=manifest,
        project=dbt_project,
        exclude=LANDED_WINDOW_MODELS,
        dagster_dbt_translator=translator,
        pool=WAREHOUSE_WRITES_POOL,
    )
    def dbt_unpartitioned_models(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        config: DbtBuildConfig,
    ) -> Iterator[Any]:
        yield from _build(context, dbt, warehouse, config, [])

    return dbt_daily_models, dbt_unpartitioned_models


def _build(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
    arguments: list[str],
) -> Iterator[Any]:
    """`dbt build` of the run's selection, then the marts published for readers: a new version
    recorded, and on DuckDB the serving copy swapped in."""
    command = [*BUILD_COMMAND, *arguments, *(["--full-refresh"] if config.full_refresh else [])]
    with warehouse.dbt_environment():
        invocation = dbt.cli(command, context=context)
    yield from invocation.stream()
    if not any(key.path[0] == MARTS for key in context.selected_asset_keys):
        return
    with warehouse.open() as built:
        publication = publish_marts(built)
    context.log.info(f"Published the marts for readers as version {publication.version}")
