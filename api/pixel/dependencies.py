"""`PixelConnection`: the shop a pixel request comes from; `ReceiptClock`: when it arrived;
`PixelBatch`: the posted events, within the key's rate and the size limits, applied before
anything is parsed."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, NoReturn

from fastapi import Depends, Header, HTTPException, Request

from api.kit.dependencies import AppDbSession, AppResources
from api.pixel.schemas import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH
from api.pixel.service import connection_for_key
from warehouse.appdb.models import Connection


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


PixelConnection = Annotated[Connection, Depends(pixel_connection)]
ReceiptClock = Annotated[Callable[[], datetime], Depends(receipt_clock)]


async def pixel_batch(
    request: Request, connection: PixelConnection, clock: ReceiptClock, resources: AppResources
) -> list[Any]:
    """The `events` array of the body, once the key's bucket holds a token per event (at least
    one): a request past the key's rate stores nothing and is answered 429.

    The bucket runs on the receipt clock, so a replay of past traffic is limited as the live
    traffic would have been.
    """
    key, limiter, now = connection.id, resources.pixel_rate_limiter, clock()
    # Nothing is read for a key whose bucket is empty.
    _within_rate(limiter.wait(key, 1, now))
    try:
        events = await _read_events(request)
    except HTTPException:
        # A body refused unread or unparsed costs its sender a token too.
        limiter.take(key, 1, now)
        raise
    _within_rate(limiter.take(key, max(len(events), 1), now))
    return events


async def _read_events(request: Request) -> list[Any]:
    """The `events` array of the body, read no further than MAX_BODY_BYTES."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    document = _parse(bytes(body))
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


def _parse(body: bytes) -> Any:
    """The JSON document, or a 400 saying why it cannot be read.

    Amounts are JSON numbers on Shopify's pixel: read as decimals, never as floats. NaN and
    Infinity are not JSON, and no column could store them.
    """
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_not_json)
    except _NotJson as exc:
        raise HTTPException(400, f"The body is not JSON: {exc}.") from None
    except RecursionError:
        raise HTTPException(400, "The body nests too deeply to be read.") from None
    except json.JSONDecodeError as exc:
        raise HTTPException(400, f"The body is not JSON: {exc}.") from None
    except UnicodeDecodeError:
        raise HTTPException(400, "The body is not UTF-8 text.") from None
    except ValueError:
        # Python refuses to read integers of more than 4,300 digits (CVE-2020-10735).
        raise HTTPException(400, "The body holds a number too long to be read.") from None


class _NotJson(ValueError):
    pass


def _not_json(constant: str) -> NoReturn:
    raise _NotJson(f"{constant} is not a JSON value")


def _within_rate(wait_seconds: float) -> None:
    if wait_seconds:
        retry_after = math.ceil(wait_seconds)
        raise HTTPException(
            429,
            "This pixel key posts more events than the intake takes; the pixel should retry "
            f"in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


def _too_large() -> HTTPException:
    return HTTPException(413, f"The body exceeds {MAX_BODY_BYTES} bytes; send smaller batches.")


PixelBatch = Annotated[list[Any], Depends(pixel_batch)]
