"""The two jobs of the code location: landing every source's windows, and building the models
for days. Integrations' own schedules target them by name."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import AssetsDefinition, AssetSelection, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from orchestration.lib.loggers import RUN_LOGGER_CONFIG

INGEST_JOB_NAME = "ingest_windows"
WAREHOUSE_JOB_NAME = "build_warehouse"

_DESCRIPTIONS = {
    INGEST_JOB_NAME: "Land every source's 15-minute windows for every active connection.",
    WAREHOUSE_JOB_NAME: "Build the dbt models (staging → marts) for UTC days, from what has "
    "landed.",
}


def build_job(name: str, assets: Sequence[AssetsDefinition]) -> UnresolvedAssetJobDefinition:
    """The job `name` (INGEST_JOB_NAME or WAREHOUSE_JOB_NAME) over `assets`, logging through the
    metricx logger; partitioned as its partitioned assets are (windows or days)."""
    return define_asset_job(
        name,
        selection=AssetSelection.assets(*assets),
        config=RUN_LOGGER_CONFIG,
        description=_DESCRIPTIONS[name],
    )
