"""How dbt nodes become Dagster assets in metricx."""

from collections.abc import Mapping
from typing import Any

from dagster import AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings


class MetricxDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                # Each source's landing_log maps onto the ingestion asset that writes it.
                enable_duplicate_source_asset_keys=True,
            )
        )

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> AutomationCondition | None:
        # Build today's partition whenever an upstream window landed. `eager` only looks at the
        # latest time partition, so switching automation back on after a pause requests one
        # run, not one per day missed.
        return AutomationCondition.eager()
