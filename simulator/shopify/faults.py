"""Shopify's failures and bad data, armed on purpose so clients' error paths can be exercised."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum


class ShopifyFault(StrEnum):
    # Another consumer of the app's bucket empties it right before the request.
    THROTTLED = "throttled"
    TOO_MANY_REQUESTS = "too_many_requests"  # HTTP 429 with Retry-After
    SERVER_ERROR = "server_error"  # HTTP 503


@dataclass(frozen=True)
class ShopifyFailure:
    kind: ShopifyFault
    retry_after_seconds: float = 2.0
    shop: str | None = None  # None: any shop

    def applies_to(self, shop: str) -> bool:
        return self.shop in (None, shop)


class ShopifyFaults:
    """Failures and bad data injected on purpose. Thread-safe, like Meta's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: deque[ShopifyFailure] = deque()
        self._corrupt_amounts: set[str] = set()
        self._corrupt_bulk_files = 0
        self._unknown_fields = False

    def fail_requests(
        self,
        count: int,
        kind: ShopifyFault,
        *,
        retry_after_seconds: float = 2.0,
        shop: str | None = None,
    ) -> None:
        """Make the next `count` GraphQL requests (to `shop`, or any) fail with `kind`."""
        with self._lock:
            self._failures.extend([ShopifyFailure(kind, retry_after_seconds, shop)] * count)

    def take_failure(self, shop: str) -> ShopifyFailure | None:
        with self._lock:
            for failure in self._failures:
                if failure.applies_to(shop):
                    self._failures.remove(failure)
                    return failure
            return None

    def corrupt_amount(self, order_id: str) -> None:
        """Serve the order's `totalPriceSet` amount as a string that is not a decimal."""
        with self._lock:
            self._corrupt_amounts.add(order_id)

    def amount_corrupted(self, order_id: str) -> bool:
        with self._lock:
            return order_id in self._corrupt_amounts

    def truncate_next_bulk_file(self) -> None:
        """Cut the next bulk operation's second order line off in the middle."""
        with self._lock:
            self._corrupt_bulk_files += 1

    def take_bulk_truncation(self) -> bool:
        with self._lock:
            if not self._corrupt_bulk_files:
                return False
            self._corrupt_bulk_files -= 1
            return True

    def add_unknown_fields(self, enabled: bool = True) -> None:
        """Serve fields the connector has never heard of inside order nodes."""
        with self._lock:
            self._unknown_fields = enabled

    @property
    def unknown_fields(self) -> bool:
        return self._unknown_fields

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
            self._corrupt_amounts.clear()
            self._corrupt_bulk_files = 0
            self._unknown_fields = False
