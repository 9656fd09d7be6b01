"""The attribution models a merchant picks from, as the semantic layer defines them.

Each model's metrics are named `<metric>_<model>` in the attribution semantic models
(dbt_project/models/marts/attribution/, computed for the models of
dbt_project/macros/attribution/attribution_models.sql); `AttributionModel` names the same six,
and `attribution_settings` reads the lookback and half-life the marts were built with from the
dbt project's vars.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import yaml  # type: ignore[import-untyped]  # no stubs installable offline

from metricx.settings import PROJECT_ROOT

DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project" / "dbt_project.yml"


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


@dataclass(frozen=True)
class AttributionSettings:
    lookback_days: int
    half_life_days: int


@cache
def attribution_settings() -> AttributionSettings:
    variables = yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]
    return AttributionSettings(
        lookback_days=int(variables["attribution_lookback_days"]),
        half_life_days=int(variables["attribution_half_life_days"]),
    )
