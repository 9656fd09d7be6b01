"""The two jobs of the code location: landing every source's windows, and building the models
for days. Integrations' own schedules target them by name."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import (
    AssetsDefinition,
    AssetSelection,
    PartitionsDefinition,
    define_asset_job,
)
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from orchestration.lib.loggers import RUN_LOGGER_CONFIG

INGEST_JOB_NAME = "ingest_windows"
WAREHOUSE_JOB_NAME = "build_warehouse"


def build_ingest_job(
    landing_assets: Sequence[AssetsDefinition], windows: PartitionsDefinition
) -> UnresolvedAssetJobDefinition:
    return define_asset_job(
        INGEST_JOB_NAME,
        selection=AssetSelection.assets(*landing_assets),
        partitions_def=windows,
        config=RUN_LOGGER_CONFIG,
        description="Land every source's 15-minute windows for every active connection.",
    )


def build_warehouse_job(
    warehouse_assets: Sequence[AssetsDefinition], days: PartitionsDefinition
) -> UnresolvedAssetJobDefinition:
    return define_asset_job(
        WAREHOUSE_JOB_NAME,
        selection=AssetSelection.assets(*warehouse_assets),
        partitions_def=days,
        config=RUN_LOGGER_CONFIG,
        description="Build the dbt models (staging → marts) for UTC days, from what has landed.",
    )
