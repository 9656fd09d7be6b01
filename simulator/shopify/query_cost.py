"""Shopify's calculated query cost, and the leaky bucket each shop's queries are charged to.

The rules, as shopify.dev documents them ("GraphQL Admin API rate limits"; Shopify Engineering,
"Rate limiting GraphQL APIs by calculating query complexity", for the connection's 2 points):

- a scalar or enum costs 0, an object 1, a mutation 10; an interface (`node`, `nodes`) costs its
  most expensive possible selection; a connection costs 2 plus, per node its `first` asks for,
  one node's cost: that is the *requested* cost, computed from the document before it runs;
- a query whose requested cost exceeds 1000 is refused whatever the bucket holds; otherwise it
  runs only if the bucket holds its requested cost, which is taken out;
- once it ran, its *actual* cost is computed by the same rules from what came back (a connection
  costs 2 plus its returned nodes, a null object 1 and nothing below it), and the bucket is
  refunded the difference;
- the bucket refills continuously at the plan's restore rate, up to its size; every answer
  reports both costs and the bucket in `extensions.cost`.

Two things the documents leave open, read here as the cheapest consistent choice: a list field
that is not a connection (`refunds`, `taxLines`) is requested as one of its items (it has no
`first` to size it) and charged for the items it returned, never more than requested; an id
asked for in `nodes(ids:)` is requested as the costliest node it could be and charged as the
node it is (1 when it is null).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.shopify.admin_graphql import Checked, Field, InlineFragment, Kind, Selection

# Shopify refuses a single query whose requested cost exceeds this, whatever the bucket holds.
SINGLE_QUERY_MAX_COST = 1_000
MUTATION_COST = 10
_CONNECTION_COST = 2
_OBJECT_COST = 1
# Refills are floats: a client that waited exactly long enough must not be refused for a
# rounding error.
_POINT_TOLERANCE = 1e-6


def requested_cost(checked: Checked) -> int:
    """What the operation may cost at most, from its document and `first` arguments alone."""
    if checked.operation.kind == "mutation":
        return MUTATION_COST
    return _requested(checked.operation.selections, checked)


def actual_cost(checked: Checked, data: Mapping[str, Any]) -> int:
    """What the operation cost, by the same rules, over the answer's `data`."""
    if checked.operation.kind == "mutation":
        return MUTATION_COST
    return min(_actual(checked.operation.selections, data, checked), requested_cost(checked))


def _requested(selections: tuple[Selection, ...], checked: Checked) -> int:
    fields = sum(
        _requested_field(selection, checked)
        for selection in selections
        if isinstance(selection, Field)
    )
    # An interface's fragments: only one type applies to a node, so the costliest one counts.
    by_type: dict[str, int] = {}
    for selection in selections:
        if isinstance(selection, InlineFragment):
            cost = _requested(selection.selections, checked)
            by_type[selection.type_condition] = by_type.get(selection.type_condition, 0) + cost
    return fields + max(by_type.values(), default=0)


def _requested_field(selection: Field, checked: Checked) -> int:
    definition = checked.definitions[id(selection)]
    inner = _requested(selection.selections, checked)
    if definition.kind is Kind.SCALAR:
        return 0
    if definition.kind is Kind.WRAPPER:  # a connection's edges and pageInfo
        return inner
    if definition.kind is Kind.PAGE:  # one node; the connection multiplies it by `first`
        return _OBJECT_COST + inner
    if definition.kind is Kind.CONNECTION:
        first = checked.arguments[id(selection)].get("first") or 0
        return _CONNECTION_COST + first * inner
    ids = checked.arguments[id(selection)].get("ids")
    if definition.kind is Kind.LIST and isinstance(ids, list):
        return len(ids) * (_OBJECT_COST + inner)
    return _OBJECT_COST + inner


def _actual(selections: tuple[Selection, ...], value: Mapping[str, Any], checked: Checked) -> int:
    cost = 0
    for selection in selections:
        if isinstance(selection, InlineFragment):
            # The answer holds a fragment's fields exactly when the node was of its type.
            if all(part.name in value for part in selection.selections if isinstance(part, Field)):
                cost += _actual(selection.selections, value, checked)
            continue
        cost += _actual_field(selection, value.get(selection.name), checked)
    return cost


def _actual_field(selection: Field, value: Any, checked: Checked) -> int:
    definition = checked.definitions[id(selection)]
    if definition.kind is Kind.SCALAR:
        return 0
    if definition.kind is Kind.WRAPPER:
        items = value if isinstance(value, list) else [value]
        return sum(_actual(selection.selections, item, checked) for item in items if item)
    if definition.kind is Kind.CONNECTION:
        return _CONNECTION_COST + (_actual(selection.selections, value, checked) if value else 0)
    if definition.kind is Kind.PAGE:
        return sum(
            _OBJECT_COST + _actual(selection.selections, node, checked) for node in value or ()
        )
    if definition.kind is Kind.LIST and "ids" in checked.arguments[id(selection)]:
        return sum(
            _OBJECT_COST + (_actual(selection.selections, node, checked) if node else 0)
            for node in value
        )
    if definition.kind is Kind.LIST:
        returned = sum(_actual(selection.selections, item, checked) for item in value or ())
        return min(_OBJECT_COST + returned, _requested_field(selection, checked))
    if value is None:
        return _OBJECT_COST
    return _OBJECT_COST + _actual(selection.selections, value, checked)


@dataclass
class _Bucket:
    available: float
    refilled_at: float


class CostBuckets:
    """One leaky bucket of cost points per shop (per app and shop, on Shopify). Thread-safe.

    `clock` reads seconds (monotonic): tests pass a clock their injected sleep moves.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.configure()

    def configure(
        self,
        *,
        maximum_available: float = 2_000.0,
        restore_rate: float = 100.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set the bucket (Shopify's standard plan: 2000 points, 100 restored a second) and
        start every shop's bucket full."""
        with self._lock:
            self.maximum_available = maximum_available
            self.restore_rate = restore_rate
            self._clock = clock
            self._buckets.clear()

    def take(self, shop: str, requested: int) -> bool:
        """Take the requested cost out if the bucket holds it; False (throttled) otherwise."""
        with self._lock:
            bucket = self._refilled(shop)
            if requested > bucket.available + _POINT_TOLERANCE:
                return False
            bucket.available = max(0.0, bucket.available - requested)
            return True

    def refund(self, shop: str, points: int) -> None:
        with self._lock:
            bucket = self._refilled(shop)
            bucket.available = min(self.maximum_available, bucket.available + points)

    def drain(self, shop: str) -> None:
        """Empty the bucket, as another process of the same app spending it all would."""
        with self._lock:
            self._refilled(shop).available = 0.0

    def cost_extension(self, shop: str, requested: int, actual: int | None) -> dict[str, Any]:
        """`extensions.cost` of an answer; `actual` is None when the query did not run."""
        with self._lock:
            available = self._refilled(shop).available
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.maximum_available,
                "currentlyAvailable": int(available + _POINT_TOLERANCE),
                "restoreRate": self.restore_rate,
            },
        }

    def _refilled(self, shop: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.setdefault(shop, _Bucket(self.maximum_available, now))
        bucket.available = min(
            self.maximum_available,
            bucket.available + (now - bucket.refilled_at) * self.restore_rate,
        )
        bucket.refilled_at = now
        return bucket
