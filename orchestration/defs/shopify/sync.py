"""One connection's Shopify order sync over a run's windows, independent of Dagster."""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orchestration.connectors.quarantine import MalformedRow
from orchestration.connectors.shopify.client import ShopifyAdminClient
from orchestration.connectors.shopify.records import ShopifyOrder, ShopifyRefund, ShopifyVisit
from orchestration.lib.outcomes import ConnectionOutcome, recorded
from orchestration.lib.resources import SyncTarget
from orchestration.lib.slices import land_window_slices
from orchestration.lib.windows import Window
from warehouse.connection import Warehouse
from warehouse.raw_tables import SHOPIFY_ORDERS
from warehouse.redaction import LandingRedactions


@dataclass(frozen=True)
class OrderDeletion:
    """An order deleted on Shopify, as its `orders/delete` webhook tells: the Admin API no longer
    returns a deleted order, so this is the only trace of it."""

    order_id: str  # gid://shopify/Order/<id>
    deleted_at: datetime


_VISIT_FIELDS = (
    "visit_id",
    "occurred_at",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "landing_page",
    "referrer_url",
)


def sync_orders(
    target: SyncTarget,
    client: ShopifyAdminClient,
    windows: list[Window],
    warehouse: Warehouse,
    *,
    bulk: bool,
    deletions: Sequence[OrderDeletion] = (),
) -> ConnectionOutcome:
    """Land, for every window, the orders whose latest change falls in it.

    The whole run's range is read in one go (pages, or one bulk operation) and cut per window by
    `updated_at`. Nothing lands unless the read completed, so a window never looks landed with
    half its orders. Quarantined rows go to the window their `updatedAt` names, or to the run's
    first window when even that is unreadable.

    `deletions` are the orders deleted in the run's windows: a deletion is its order's last
    change, landed as a tombstone in the window it happened in, so re-running that window lands
    it again. Shopify reports deletions only through its `orders/delete` webhook; until metricx
    receives it (README, "Changes and deletions in the sources"), the asset passes none.
    """
    outcome = ConnectionOutcome.of(target)
    with recorded(outcome, client.usage):
        since, until = windows[0].start, windows[-1].end
        read = client.bulk_orders_updated if bulk else client.iter_orders_updated
        rows: dict[Window, list[tuple[object, ...]]] = {window: [] for window in windows}
        quarantined: dict[Window, list[tuple[str, str]]] = {window: [] for window in windows}
        for item in read(since, until):
            if isinstance(item, MalformedRow):
                named = _window_of(windows, _updated_at_of(item.payload))
                quarantined[named or windows[0]].append((item.reason, item.payload))
                continue
            window = _window_of(windows, item.updated_at)
            if window is None:
                raise RuntimeError(
                    f"Shopify returned order {item.order_id} updated at "
                    f"{item.updated_at.isoformat()}, outside [{since.isoformat()}, "
                    f"{until.isoformat()})"
                )
            rows[window].append(_raw_row(item, target.external_account_id, target.redactions))
        for deletion in deletions:
            window = _window_of(windows, deletion.deleted_at)
            if window is None:
                raise ValueError(
                    f"order {deletion.order_id} deleted at {deletion.deleted_at.isoformat()}, "
                    f"outside [{since.isoformat()}, {until.isoformat()})"
                )
            rows[window].append(_tombstone_row(deletion, target.external_account_id))
        land_window_slices(warehouse, SHOPIFY_ORDERS, target, outcome, rows, quarantined)
    return outcome


def _window_of(windows: list[Window], moment: datetime | None) -> Window | None:
    if moment is None:
        return None
    index = bisect.bisect_right([window.start for window in windows], moment) - 1
    if index < 0 or moment >= windows[index].end:
        return None
    return windows[index]


def _updated_at_of(payload: str) -> datetime | None:
    try:
        raw = json.loads(payload).get("updatedAt")
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, AttributeError, TypeError):
        return None
    return moment if moment.tzinfo is not None else None


def _refund_json(refund: ShopifyRefund) -> dict[str, object]:
    return {
        "id": refund.refund_id,
        "created_at": refund.created_at.isoformat(),
        "amount": str(refund.amount),
        "line_items": [
            {"quantity": item.quantity, "subtotal": str(item.subtotal), "tax": str(item.tax)}
            for item in refund.line_items
        ],
        "shipping_lines": [
            {"subtotal": str(line.subtotal), "tax": str(line.tax)} for line in refund.shipping_lines
        ],
        "lines_complete": refund.lines_complete,
    }


def _raw_row(
    order: ShopifyOrder, shop_domain: str, redactions: LandingRedactions
) -> tuple[object, ...]:
    values: dict[str, object] = {
        "shop_domain": shop_domain,
        "order_id": order.order_id,
        "order_name": order.name,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "processed_at": order.processed_at,
        "cancelled_at": order.cancelled_at,
        "deleted_at": None,
        "test": int(order.test),
        "currency": order.currency,
        "taxes_included": int(order.taxes_included),
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "subtotal": order.subtotal,
        "total_discounts": order.total_discounts,
        "shipping": order.shipping,
        "tax": order.tax,
        "total": order.total,
        "total_refunded": order.total_refunded,
        "customer_id": order.customer_id,
        "customer_order_index": order.customer_order_index,
        "customer_orders_at_capture": order.customer_orders_at_capture,
        "journey_ready": int(order.journey_ready),
        "days_to_conversion": order.days_to_conversion,
        "refunds": json.dumps([_refund_json(refund) for refund in order.refunds]),
        "line_items": json.dumps(
            [
                {
                    "id": item.line_item_id,
                    "name": item.name,
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "unit_price": str(item.unit_price),
                }
                for item in order.line_items
            ]
        ),
        "line_items_complete": int(order.line_items_complete),
        "shipping_tax": order.shipping_tax,
    }
    for prefix, visit in (("first_visit", order.first_visit), ("last_visit", order.last_visit)):
        values.update(_visit_columns(prefix, visit))
    return SHOPIFY_ORDERS.row_values(redactions.order_values(values))


def _tombstone_row(deletion: OrderDeletion, shop_domain: str) -> tuple[object, ...]:
    """The version recording an order's deletion: its id and when, nothing else known."""
    values: dict[str, object] = dict.fromkeys(name for name, _ in SHOPIFY_ORDERS.columns)
    values.update(
        shop_domain=shop_domain,
        order_id=deletion.order_id,
        updated_at=deletion.deleted_at,
        deleted_at=deletion.deleted_at,
    )
    return SHOPIFY_ORDERS.row_values(values)


def _visit_columns(prefix: str, visit: ShopifyVisit | None) -> dict[str, object]:
    return {
        f"{prefix}_{name}": None if visit is None else getattr(visit, name)
        for name in _VISIT_FIELDS
    }
