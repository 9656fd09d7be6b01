"""A finer query's rows added up to coarser groups, for the semantic layer's sum metrics only.

The dashboard asks for spend by day and provider once and draws both the chart and the spend
mix from it (likewise attributed revenue by day, channel and provider for the chart and the
attribution breakdown): one statement instead of two, each of which costs most of its time in
planning. A sum over a union of groups is the sum of the groups' sums, exactly (decimals), so
the figures are those the coarser query would return; any other metric is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from warehouse.semantic.compiler import SemanticLayer


class NotAdditive(ValueError):
    """The metric is no plain sum: its coarser groups must be asked of the semantic layer."""


def rolled_up(
    semantic_layer: SemanticLayer,
    metric: str,
    rows: Iterable[Mapping[str, Any]],
    keys: tuple[str, ...],
) -> dict[tuple[Any, ...], Decimal | None]:
    """`metric` over each group of `keys`, from rows grouped by `keys` and more. Null when all
    of a group's values are null, as SQL's SUM."""
    if not semantic_layer.metrics[metric].additive:
        raise NotAdditive(f"{metric} is not a sum over its dimensions")
    totals: dict[tuple[Any, ...], Decimal | None] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        value, total = row[metric], totals.get(key)
        totals[key] = total if value is None else value if total is None else total + value
    return totals
