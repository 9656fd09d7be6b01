"""The dashboard adds up a finer query's rows only for metrics the semantic layer defines as
plain sums, the way SQL's SUM would."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.dashboard.rollup import NotAdditive, rolled_up
from warehouse.semantic.compiler import SemanticLayer
from warehouse.semantic.manifest import load_semantic_manifest


@pytest.fixture(scope="module")
def semantic_layer() -> SemanticLayer:
    return SemanticLayer(load_semantic_manifest(), "duckdb")


def test_a_sum_metric_is_added_up_per_group_and_nulls_count_as_sql_does(
    semantic_layer: SemanticLayer,
) -> None:
    rows = [
        {"day": 1, "provider": "meta_ads", "spend": Decimal("1.10")},
        {"day": 2, "provider": "meta_ads", "spend": Decimal("2.25")},
        {"day": 1, "provider": "google_ads", "spend": None},
        {"day": 2, "provider": "google_ads", "spend": Decimal("0.40")},
        {"day": 1, "provider": "tiktok_ads", "spend": None},
    ]
    assert rolled_up(semantic_layer, "spend", rows, ("provider",)) == {
        ("meta_ads",): Decimal("3.35"),
        ("google_ads",): Decimal("0.40"),
        ("tiktok_ads",): None,
    }
    assert rolled_up(semantic_layer, "spend", rows, ("day",)) == {
        (1,): Decimal("1.10"),
        (2,): Decimal("2.65"),
    }


@pytest.mark.parametrize("metric", ["platform_roas", "average_order_value", "mer"])
def test_a_ratio_is_never_added_up(semantic_layer: SemanticLayer, metric: str) -> None:
    with pytest.raises(NotAdditive):
        rolled_up(semantic_layer, metric, [{"day": 1, metric: 2.0}], ("day",))
