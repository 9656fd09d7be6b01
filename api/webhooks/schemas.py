from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ClerkEvent(BaseModel):
    """A Clerk event as Svix delivers it; only its type is read before verification."""

    type: str = Field(examples=["user.created"])
    object_: str = Field(default="event", alias="object")
    data: dict[str, object]
    timestamp: int = Field(description="When Clerk emitted it, Unix milliseconds.")


class DeliveryReceipt(BaseModel):
    applied: bool = Field(
        description="False for a delivery applied before (a retry or a replay) and for event "
        "types metricx does not follow; either way Svix need not retry it."
    )


class ShopifyWebhookBody(BaseModel):
    """A Shopify webhook's JSON body, whose shape is its topic's (shopify.dev, "Webhook topics"):
    the REST Order for `orders/*`, the Refund for `refunds/create`, the Shop for
    `app/uninstalled`, and for the privacy topics `shop_id`, `shop_domain` and (customers) the
    `customer` {id, email, phone} with `orders_to_redact` or `orders_requested`."""

    model_config = ConfigDict(extra="allow")


class ShopifyDeliveryReceipt(BaseModel):
    applied: bool = Field(
        description="False for a delivery applied before (a retry or a replay), a topic metricx "
        "does not follow, or a shop no workspace connects; either way Shopify need not retry it."
    )
