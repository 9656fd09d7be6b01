"""The Shopify web pixel wire format, as metricx's custom pixel posts it, and the intake's reply.

Shopify adds fields to its events over time, so unknown fields are ignored; the ones attribution
relies on are required and checked strictly. See shopify.dev, "Web pixels API: standard events".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Shopify's pixel sandbox sends small batches; these bound what one anonymous request can cost.
MAX_BODY_BYTES = 512 * 1024
MAX_EVENTS_PER_BATCH = 500
MAX_URL_LENGTH = 4_096
# Shopify's events nest six levels deep; a deeper one is not from its pixel, and nesting is what
# makes encoders and the landing recurse.
MAX_EVENT_DEPTH = 32
# The pixel sends as the visitor browses and retries for a while; an event older than this, or
# from later than the receiving clock allows for a visitor's skewed clock, is not live traffic.
MAX_EVENT_AGE = timedelta(days=7)
MAX_EVENT_LEAD = timedelta(minutes=10)
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
    the conversion cannot be attributed. No text anywhere in it may hold a NUL character or a
    lone surrogate, and it nests at most 32 levels."""

    id: str = Field(min_length=1, max_length=128)
    name: str = Field(pattern=r"^[a-z][a-z_]{0,63}$")
    clientId: str = Field(min_length=1, max_length=128)
    timestamp: AwareDatetime = Field(
        description="ISO 8601 with a UTC offset, e.g. `2026-11-19T10:00:00.000Z`."
    )
    context: PixelContext
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, event: Any) -> Any:
        _check_storable(event)
        return event

    @field_validator("timestamp", mode="before")
    @classmethod
    def _as_the_landing_reads_it(cls, value: Any) -> Any:
        # The landing parses the text with `datetime.fromisoformat` (orchestration/defs/
        # shopify_pixel/events.py): accept exactly what it reads, not pydantic's wider formats
        # (unix seconds, for one), or an accepted event would be quarantined later.
        if not isinstance(value, str):
            raise PydanticCustomError("timestamp_type", "the timestamp must be an ISO 8601 text")
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise PydanticCustomError(
                "timestamp_format", "the timestamp is not an ISO 8601 date and time"
            ) from None

    @field_validator("timestamp")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # 0001-01-01T00:00:00+01:00 is a valid text whose UTC moment falls before year 1.
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise PydanticCustomError(
                "timestamp_range", "the timestamp is outside the years 1 to 9999 in UTC"
            ) from None

    @model_validator(mode="after")
    def _checkout_has_its_order(self) -> PixelEventIn:
        if self.name == CHECKOUT_COMPLETED:
            CheckoutCompletedData.model_validate(self.data)
        return self


def _check_storable(event: Any) -> None:
    """Refuse what no database column takes: NUL characters (PostgreSQL refuses them in text)
    and lone surrogates (not encodable as UTF-8), in keys and values alike; and deep nesting."""
    pending: list[tuple[Any, int]] = [(event, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth > MAX_EVENT_DEPTH:
                raise PydanticCustomError(
                    "nesting_depth",
                    "the event nests deeper than {max_depth} levels",
                    {"max_depth": MAX_EVENT_DEPTH},
                )
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise PydanticCustomError("nul_character", "a text of the event holds a NUL character")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise PydanticCustomError(
                "lone_surrogate", "a text of the event holds a lone UTF-16 surrogate"
            ) from None


class PixelBatchIn(BaseModel):
    """The request body, for the OpenAPI document: the intake reads it itself, so that one
    invalid event is rejected alone instead of failing the batch."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": f"At most {MAX_BODY_BYTES} bytes of JSON and "
            f"{MAX_EVENTS_PER_BATCH} events. Each event is checked on its own: the invalid or "
            "implausible ones are listed in the answer's `rejected`, the others stored."
        }
    )

    events: list[PixelEventIn] = Field(max_length=MAX_EVENTS_PER_BATCH)


def pixel_batch_openapi() -> dict[str, Any]:
    """`requestBody` of the intake's operation, its models inlined: they are not among the
    document's components, since no route parameter declares them."""
    schema = PixelBatchIn.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {"required": True, "content": {"application/json": {"schema": inline(schema)}}}


class RejectedEvent(BaseModel):
    index: int = Field(description="Position of the event in the posted batch.")
    errors: list[dict[str, Any]] = Field(
        description="Why, each as `loc`, `msg`, `type`. Besides validation types: "
        "`foreign_page` (its page is not on the shop's domains), `too_old` (more than "
        f"{MAX_EVENT_AGE.days} days before its receipt), `in_the_future` (more than "
        f"{MAX_EVENT_LEAD.seconds // 60} minutes after it)."
    )


class PixelBatchAccepted(BaseModel):
    received: int
    stored: int = Field(description="Events stored by this request.")
    duplicates: int = Field(
        description="Events already stored (a retried batch, even one racing this request) or "
        "repeated within the batch."
    )
    rejected: list[RejectedEvent] = Field(description="Events not stored, by index.")
