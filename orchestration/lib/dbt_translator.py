"""How dbt nodes become Dagster assets in metricx."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dagster import AssetSpec, AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.lib.freshness import MART_FRESHNESS

if TYPE_CHECKING:
    from dagster_dbt import DbtProject

MARTS = "marts"


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

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> AutomationCondition | None:
        # Build today's partition whenever an upstream window landed. `eager` only looks at the
        # latest time partition, so switching automation back on after a pause requests one
        # run, not one per day missed.
        return AutomationCondition.eager()
