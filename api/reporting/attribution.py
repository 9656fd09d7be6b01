"""The attribution models a merchant picks from, as the semantic layer defines them.

Each model's metrics are named `<metric>_<model>` in the attribution semantic models
(dbt_project/models/marts/attribution/); `AttributionModel` names the same six, and
`attribution_settings` reads the lookback and half-life the marts were built with from the dbt
project's vars.
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

    def metric(self, name: str) -> str:
        """The semantic-layer metric `name` under this model: `attributed_roas_linear`."""
        return f"{name}_{self.value}"


# Shopify's own marketing reports credit the last non-direct click by default: a merchant
# comparing the two sees the same credit unless they choose otherwise.
DEFAULT_ATTRIBUTION_MODEL = AttributionModel.LAST_NON_DIRECT_CLICK


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
