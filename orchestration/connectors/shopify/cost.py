"""What the connector's Shopify queries cost, and the shop's cost bucket as Shopify reports it.

Shopify's rules (shopify.dev, "GraphQL Admin API rate limits"): an object costs 1, a scalar 0, a
connection 2 plus `first` times one node; a query may request at most 1000 points, runs only
when the shop's bucket holds what it requests, and is then charged what it actually read (the
difference is refunded). Every answer, a THROTTLED one too, reports the requested and actual
cost and the bucket (`extensions.cost.throttleStatus`): points left, size, refill per second.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

# Shopify refuses a single query that requests more, whatever the bucket holds.
SINGLE_QUERY_MAX_COST = 1_000
# Input lists (`nodes(ids:)`) hold at most this many items.
MAX_IDS_PER_QUERY = 250
# A refund line or shipping line as the connector reads it: the line (an object) and its two
# MoneyBags of one MoneyV2 each.
_REFUND_LINE_COST = 1 + 2 + 2


def refund_details_cost(orders: int, lines: int, shipping_lines: int) -> int:
    """The requested cost of reading `orders` orders' refund details (REFUND_DETAILS_QUERY),
    `lines` refund lines and `shipping_lines` shipping lines a refund: per order its node and
    its `refunds` list (a list is priced as one of its items), and the refund's two
    connections."""
    refund = (2 + lines * _REFUND_LINE_COST) + (2 + shipping_lines * _REFUND_LINE_COST)
    return orders * (1 + 1 + refund)


class CostBucket:
    """The shop's bucket as the last answer described it, to wait before a query it cannot
    afford rather than be throttled. Unknown until the first answer."""

    def __init__(self) -> None:
        self.available: float | None = None
        self.maximum: float | None = None
        self._restore_rate = 0.0

    def note(self, cost: Any) -> float | None:
        """Take in an answer's `extensions.cost`; returns the requested cost it reports."""
        if not isinstance(cost, Mapping):
            return None
        status = cost.get("throttleStatus") or {}
        available, rate = status.get("currentlyAvailable"), status.get("restoreRate")
        if _number(available) and _number(rate) and rate > 0:
            self.available, self._restore_rate = float(available), float(rate)
            maximum = status.get("maximumAvailable")
            self.maximum = float(maximum) if _number(maximum) else None
        requested = cost.get("requestedQueryCost")
        return float(requested) if _number(requested) else None

    @property
    def known(self) -> bool:
        return self.available is not None

    def single_query_limit(self) -> int:
        """The most one query may request: Shopify's limit, or the bucket when it is smaller."""
        if self.maximum is None:
            return SINGLE_QUERY_MAX_COST
        return min(SINGLE_QUERY_MAX_COST, int(self.maximum))

    def await_points(self, cost: float | None, sleep: Callable[[float], None]) -> None:
        """Before a query requesting `cost`, sleep until the bucket holds it.

        Counts as if no time had passed since the last answer: at most a request's latency
        longer than needed, never too short.
        """
        if cost is None or self.available is None or self.available >= cost:
            return
        sleep((cost - self.available) / self._restore_rate)
        self.available = cost


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
