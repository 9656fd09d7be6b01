"""`VerifiedClerkDelivery` and `VerifiedShopifyDelivery`: deliveries whose signature checks out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from api.kit.dependencies import AppResources
from api.webhooks.service import InvalidDelivery, verify_clerk_delivery
from api.webhooks.shopify import ShopifyDelivery, verify_shopify_delivery
from metricx.settings import split_list
from warehouse.appdb.models import utc_now


@dataclass(frozen=True)
class ClerkDelivery:
    svix_id: str
    event: dict[str, Any]


async def verified_clerk_delivery(request: Request, resources: AppResources) -> ClerkDelivery:
    # The signature covers the exact bytes sent: the raw body, never a re-serialization.
    body = await request.body()
    secrets = split_list(resources.settings.clerk_webhook_secret)
    try:
        event = verify_clerk_delivery(body, request.headers, secrets)
    except InvalidDelivery as exc:
        raise HTTPException(400, f"The delivery is not verified: {exc}.") from exc
    return ClerkDelivery(svix_id=request.headers["svix-id"], event=event)


VerifiedClerkDelivery = Annotated[ClerkDelivery, Depends(verified_clerk_delivery)]


def webhook_clock() -> Callable[[], datetime]:
    """When a delivery is received (its age is judged by it, and the landing it asks for starts
    from it); a test of a past order overrides it (`app.dependency_overrides`)."""
    return utc_now


WebhookClock = Annotated[Callable[[], datetime], Depends(webhook_clock)]


async def verified_shopify_delivery(
    request: Request, resources: AppResources, clock: WebhookClock
) -> ShopifyDelivery:
    # Signed over the raw body, like Clerk's; the app's current secret first, then the previous
    # ones of a rotation.
    body = await request.body()
    settings = resources.settings
    secrets = [
        secret
        for secret in (
            settings.shopify_api_secret,
            *split_list(settings.shopify_previous_api_secrets),
        )
        if secret
    ]
    try:
        return verify_shopify_delivery(body, request.headers, secrets, clock())
    except InvalidDelivery as exc:
        raise HTTPException(400, f"The delivery is not verified: {exc}.") from exc


VerifiedShopifyDelivery = Annotated[ShopifyDelivery, Depends(verified_shopify_delivery)]
