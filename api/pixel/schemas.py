"""The Shopify web pixel wire format, as metricx's custom pixel posts it, and the intake's reply.

Shopify adds fields to its events over time, so unknown fields are ignored; the ones attribution
relies on are required and checked strictly. See shopify.dev, "Web pixels API: standard events".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

MAX_URL_LENGTH = 4_096
CHECKOUT_COMPLETED = "checkout_completed"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PixelLocation(_Wire):
    href: str = Field(min_length=1, max_length=MAX_URL_LENGTH, pattern=r"^https?://")


class PixelDocument(_Wire):
    location: PixelLocation
    referrer: str = Field(default="", max_length=MAX_URL_LENGTH)


class PixelContext(_Wire):
    document: PixelDocument


class PixelMoney(_Wire):
    # Decimal from the JSON number or string: the amount never passes through a float.
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=4)
    currencyCode: str = Field(pattern=r"^[A-Z]{3}$")


class PixelCustomer(_Wire):
    id: str = Field(min_length=1, max_length=128)


class PixelOrder(_Wire):
    id: str = Field(min_length=1, max_length=128)
    customer: PixelCustomer | None = None


class PixelCheckout(_Wire):
    order: PixelOrder
    totalPrice: PixelMoney


class CheckoutCompletedData(_Wire):
    checkout: PixelCheckout


class PixelEventIn(_Wire):
    """One event of a batch. `checkout_completed` must carry its order and total: without them
    the conversion cannot be attributed."""

    id: str = Field(min_length=1, max_length=128)
    name: str = Field(pattern=r"^[a-z][a-z_]{0,63}$")
    clientId: str = Field(min_length=1, max_length=128)
    timestamp: AwareDatetime
    context: PixelContext
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _checkout_has_its_order(self) -> PixelEventIn:
        if self.name == CHECKOUT_COMPLETED:
            CheckoutCompletedData.model_validate(self.data)
        return self


class RejectedEvent(BaseModel):
    index: int  # position in the posted batch
    errors: list[dict[str, Any]]


class PixelBatchAccepted(BaseModel):
    received: int
    stored: int  # new events, stored for landing
    duplicates: int  # already stored (a retried batch) or repeated within the batch
    rejected: list[RejectedEvent]
