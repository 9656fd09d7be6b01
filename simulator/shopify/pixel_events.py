"""What a storefront's web pixel sends for a session: a page view on landing, product views, and
checkout_completed when the session ended in an order."""

from __future__ import annotations

from datetime import timedelta

from simulator.merchants import Merchant
from simulator.shopify.orders import OrderPlan
from simulator.shopify.records import HANDLES, PRODUCTS, PixelEvent, PixelEventName, Session
from simulator.shopify.timeline import shop_draws


def session_events(
    seed: int, merchant: Merchant, session: Session, plan: OrderPlan | None
) -> list[PixelEvent]:
    draws = shop_draws(seed, session.session_id, "pixel")
    events = [
        PixelEvent(
            event_id=f"{session.session_id}-0",
            name=PixelEventName.PAGE_VIEWED,
            client_id=session.client_id,
            session_id=session.session_id,
            occurred_at=session.started_at,
            url=session.landing_page,
        )
    ]
    if plan is not None:
        viewed = [item.title for item in plan.line_items]
    else:
        viewed = [PRODUCTS[draws[n] % len(PRODUCTS)][1] for n in range(draws[0] % 4)]
    for n, title in enumerate(viewed, start=1):
        events.append(
            PixelEvent(
                event_id=f"{session.session_id}-{n}",
                name=PixelEventName.PRODUCT_VIEWED,
                client_id=session.client_id,
                session_id=session.session_id,
                occurred_at=session.started_at + timedelta(seconds=20 * n + draws[n + 3] % 20),
                url=f"https://{merchant.shop_domain}/products/{HANDLES[title]}",
            )
        )
    if plan is not None:
        events.append(
            PixelEvent(
                event_id=f"{session.session_id}-{len(events)}",
                name=PixelEventName.CHECKOUT_COMPLETED,
                client_id=session.client_id,
                session_id=session.session_id,
                occurred_at=plan.created_at,
                url=f"https://{merchant.shop_domain}/checkouts/c/{plan.number}/thank-you",
                order_id=f"gid://shopify/Order/{plan.number}",
            )
        )
    return events
