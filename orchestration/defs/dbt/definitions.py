"""The dbt integration's definitions: the models as assets, and the `dbt` resource they run.

They also require the shared `warehouse` resource, which the top-level definitions provide.
"""

from __future__ import annotations

from dagster import Definitions
from dagster_dbt import DbtCliResource

from metricx.settings import Settings
from orchestration.defs.dbt.assets import build_dbt_assets
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project, prepare_manifest_if_dev
from orchestration.partitions import daily_partitions


def build_defs(settings: Settings) -> Definitions:
    prepare_manifest_if_dev()
    return Definitions(
        assets=build_dbt_assets(daily_partitions(settings.partitions_start)),
        resources={"dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)},
    )
