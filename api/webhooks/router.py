from __future__ import annotations

from fastapi import APIRouter

from api.kit.dependencies import AppDbSession, AppResources
from api.kit.errors import problem_response
from api.webhooks.dependencies import (
    VerifiedClerkDelivery,
    VerifiedShopifyDelivery,
    WebhookClock,
)
from api.webhooks.schemas import (
    ClerkEvent,
    DeliveryReceipt,
    ShopifyDeliveryReceipt,
    ShopifyWebhookBody,
)
from api.webhooks.shopify import apply_delivery
from warehouse.appdb.accounts import apply_user_event

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post(
    "/clerk",
    responses={
        400: problem_response(
            "Not signed with the endpoint's secret, tampered with, or its timestamp is more "
            "than five minutes away."
        )
    },
    # Read raw (the signature covers the bytes), so documented here rather than parsed.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ClerkEvent.model_json_schema()}},
        },
        "parameters": [
            {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
            for name in ("svix-id", "svix-timestamp", "svix-signature")
        ],
    },
)
def clerk_webhook(delivery: VerifiedClerkDelivery, session: AppDbSession) -> DeliveryReceipt:
    """Clerk's `user.created`, `user.updated` and `user.deleted`, delivered by Svix: the user is
    created, updated or soft-deleted. A delivery is applied once, by its `svix-id`; an event
    older than the user's state already mirrored (Clerk's `updated_at`) changes nothing."""
    applied = apply_user_event(session, delivery.svix_id, delivery.event)
    session.commit()
    return DeliveryReceipt(applied=applied)


@router.post(
    "/shopify",
    responses={
        400: problem_response(
            "Not signed with the app's client secret (nor a previous one during a rotation), "
            "tampered with, missing a Shopify header, or triggered more than six hours ago."
        )
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ShopifyWebhookBody.model_json_schema()}},
        },
        "parameters": [
            {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
            for name in (
                "X-Shopify-Hmac-Sha256",
                "X-Shopify-Topic",
                "X-Shopify-Shop-Domain",
                "X-Shopify-Webhook-Id",
                "X-Shopify-Triggered-At",
            )
        ],
    },
)
def shopify_webhook(
    delivery: VerifiedShopifyDelivery,
    session: AppDbSession,
    resources: AppResources,
    clock: WebhookClock,
) -> ShopifyDeliveryReceipt:
    """The Shopify app's webhooks, one address for every topic (`X-Shopify-Topic`):
    `orders/create`, `orders/updated` and `refunds/create` land the shop's current window within
    a minute; `app/uninstalled` disconnects the shop (its history stays); `customers/redact` and
    `shop/redact` erase the customer's or the shop's personal data; `customers/data_request` is
    recorded for the merchant. A delivery is applied once, by its `X-Shopify-Webhook-Id`."""
    applied = apply_delivery(session, resources.credentials_cipher, delivery, clock())
    session.commit()
    return ShopifyDeliveryReceipt(applied=applied)
