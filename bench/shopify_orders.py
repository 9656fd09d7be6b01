"""Reading one demo shop's 92 days of orders through the Shopify connector, in real time.

The bulk operation, its download, and the refund details read by order id afterwards, against
the simulator's standard-plan bucket (2000 points, 100 restored a second) on a real clock: the
time is mostly waiting for the bucket, so it says how well the connector spends its points.
The warehouse plays no part; the figure is emitted once, under the first backend asked for.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.history import DAYS, MERCHANTS
from bench.report import emit
from metricx.settings import Settings
from orchestration.connectors.shopify import ShopifyAdminClient, ShopifyOrder
from simulator.server import SimulatorServer
from simulator.shopify.api import ShopifyApi
from simulator.world import World

_measured = False


def run(backend: str) -> None:
    global _measured
    if _measured:
        return
    _measured = True
    until = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    since = until - timedelta(days=DAYS)
    world = World(merchants=MERCHANTS, clock=lambda: until)
    merchant = world.merchants[0]
    with SimulatorServer(world) as simulator:
        api = ShopifyApi.of(world)
        with ShopifyAdminClient(
            f"{simulator.base_url}/shopify/{{shop}}",
            Settings.model_fields["shopify_api_version"].default,
            merchant.shop_domain,
            merchant.shopify_access_token,
            bulk_poll_seconds=1.0,
        ) as client:
            started = time.perf_counter()
            items = list(client.bulk_orders_updated(since, until))
            seconds = time.perf_counter() - started
    orders = [item for item in items if isinstance(item, ShopifyOrder)]
    if len(orders) != len(items):
        raise RuntimeError(f"{len(items) - len(orders)} orders came back unreadable")
    incomplete = sum(1 for o in orders for r in o.refunds if not r.lines_complete)
    parameters = {
        "days": DAYS,
        "orders": len(orders),
        "refunded_orders": sum(1 for order in orders if order.refunds),
        "refunds_incomplete": incomplete,
        "requests": client.usage.requests,
        "bucket": api.buckets.maximum_available,
        "restore_rate": api.buckets.restore_rate,
    }
    emit("ingest.shopify_orders_bulk_seconds", seconds, "s", backend=backend, **parameters)
