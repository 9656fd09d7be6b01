"""The attribution models a merchant picks from, as the attribution marts compute them
(dbt_project/macros/attribution/attribution_models.sql), and the one shown by default."""

from __future__ import annotations

from enum import StrEnum


class AttributionModel(StrEnum):
    FIRST_CLICK = "first_click"
    LAST_CLICK = "last_click"
    LAST_NON_DIRECT_CLICK = "last_non_direct_click"
    LINEAR = "linear"
    POSITION_BASED = "position_based"
    TIME_DECAY = "time_decay"

    def metric(self, measure: str) -> str:
        """The semantic layer's per-model metric: `attributed_roas` → `attributed_roas_linear`
        (each model's metrics are filtered on it; none sums across models)."""
        return f"{measure}_{self.value}"


# Shopify's own default (its marketing reports credit the last non-direct click): a merchant
# comparing our attributed revenue with their Shopify admin sees the same model.
DEFAULT_ATTRIBUTION_MODEL = AttributionModel.LAST_NON_DIRECT_CLICK
ATTRIBUTION_MODEL_DESCRIPTION = (
    "Attribution model of the attributed revenue and ROAS: first_click, last_click, "
    "last_non_direct_click (the default, as Shopify's marketing reports), linear, "
    "position_based (40/20/40) or time_decay."
)
