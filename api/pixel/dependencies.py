"""`PixelConnection`: the shop a pixel request comes from; `ReceiptClock`: when it arrived;
`PixelBatch`: the posted events, with the size limits applied before anything is parsed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from api.kit.dependencies import AppDbSession
from api.pixel.service import connection_for_key
from warehouse.appdb.models import Connection

# Shopify's pixel sandbox sends small batches; these bound what one anonymous request can cost.
MAX_BODY_BYTES = 512 * 1024
MAX_EVENTS_PER_BATCH = 500


def pixel_connection(
    session: AppDbSession,
    pixel_key: Annotated[str | None, Header(alias="X-Metricx-Pixel-Key")] = None,
) -> Connection:
    if not pixel_key:
        raise HTTPException(401, "The X-Metricx-Pixel-Key header is required.")
    connection = connection_for_key(session, pixel_key)
    if connection is None:
        raise HTTPException(
            401,
            "This pixel key is unknown or was revoked: copy the current key from the shop's "
            "connection settings in metricx into the pixel.",
        )
    return connection


def receipt_clock() -> Callable[[], datetime]:
    """When events arrive; a replay of past traffic overrides it (`app.dependency_overrides`)."""
    return lambda: datetime.now(UTC)


async def pixel_batch(request: Request) -> list[Any]:
    """The `events` array of the body, read no further than MAX_BODY_BYTES."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    try:
        # Amounts are JSON numbers on Shopify's pixel: read as decimals, never as floats.
        document = json.loads(body, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HTTPException(400, f"The body is not JSON: {exc}.") from exc
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list):
        raise HTTPException(422, 'The body must be a JSON object with an "events" array.')
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise HTTPException(
            413,
            f"A batch holds at most {MAX_EVENTS_PER_BATCH} events; send {len(events)} in "
            "several batches.",
        )
    return events


def _too_large() -> HTTPException:
    return HTTPException(413, f"The body exceeds {MAX_BODY_BYTES} bytes; send smaller batches.")


PixelConnection = Annotated[Connection, Depends(pixel_connection)]
ReceiptClock = Annotated[Callable[[], datetime], Depends(receipt_clock)]
PixelBatch = Annotated[list[Any], Depends(pixel_batch)]
