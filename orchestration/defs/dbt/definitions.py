"""Everything dbt brings to the code location: the models as assets and the dbt CLI resource."""

from __future__ import annotations

from dagster import Definitions
from dagster_dbt import DbtCliResource

from metricx.settings import Settings
from orchestration.defs.dbt.assets import metricx_dbt_models
from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project


def build_defs(settings: Settings) -> Definitions:
    return Definitions(
        assets=[metricx_dbt_models(settings.partitions_start)],
        resources={"dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)},
    )
