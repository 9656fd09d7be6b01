"""How dbt nodes become Dagster assets in metricx."""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster import AssetSpec, AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.lib.freshness import MART_FRESHNESS

if TYPE_CHECKING:
    from dagster_dbt import DbtProject

MARTS = "marts"


def group_from_folders(fqn: Sequence[str], resource_type: str) -> str:
    """The UI group of a dbt node: its layer folder, and for a mart its business area.

    `fqn` is the project, the folders under `models/` (or `seeds/`…), then the node's name:
    `["metricx", "marts", "shop", "fct_orders"]` is in `marts_shop`,
    `["metricx", "staging", "meta_ads", "stg_meta_ads__entities"]` in `staging`. A node at the
    top of its resource folder (the fx rates seed) is grouped by resource type: `seeds`.
    """
    folders = fqn[1:-1]
    if not folders:
        return f"{resource_type}s"
    layer = folders[0]
    # Marts are many and read by area; staging and intermediate models are few per area, and
    # one group per layer keeps the groups list short.
    if layer == MARTS and len(folders) > 1:
        return f"{MARTS}_{folders[1]}"
    return layer


class MetricxDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                # Each source's landing_log maps onto the ingestion asset that writes it.
                enable_duplicate_source_asset_keys=True,
            )
        )

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: "DbtProject | None"
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        # Readers see the marts only: their freshness is what a merchant notices.
        if spec.key.path[0] == MARTS:
            return spec.replace_attributes(freshness_policy=MART_FRESHNESS)
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return group_from_folders(dbt_resource_props["fqn"], dbt_resource_props["resource_type"])

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> AutomationCondition | None:
        # Build a model (today's partition of a partitioned one) whenever something upstream
        # changed. `eager` only looks at the latest time partition, so switching automation back
        # on after a pause requests one run, not one per day missed.
        return AutomationCondition.eager()
