from __future__ import annotations

from fastapi import APIRouter

from api.kit.dependencies import AppDbSession
from api.kit.errors import problem_response
from api.pixel import service
from api.pixel.dependencies import PixelBatch, PixelConnection, ReceiptClock
from api.pixel.schemas import (
    MAX_BODY_BYTES,
    MAX_EVENTS_PER_BATCH,
    PixelBatchAccepted,
    pixel_batch_openapi,
)

router = APIRouter(prefix="/v1/pixel", tags=["pixel"])


@router.post(
    "/events",
    status_code=202,
    # The body is read by `PixelBatch`, not declared as a parameter: described here instead.
    openapi_extra={"requestBody": pixel_batch_openapi()},
    responses={
        400: problem_response(
            "The body cannot be read: not JSON, not UTF-8, nested too deeply, or a number too long."
        ),
        401: problem_response("The X-Metricx-Pixel-Key header is missing, unknown or revoked."),
        413: problem_response(
            f"The body exceeds {MAX_BODY_BYTES} bytes or holds more than {MAX_EVENTS_PER_BATCH} "
            "events."
        ),
        422: problem_response('The body is not a JSON object with an "events" array.'),
        429: problem_response(
            "The pixel key posted more events than its rate (`METRICX_PIXEL_EVENTS_PER_MINUTE` "
            "per API process); `Retry-After` says when to send again. Nothing was stored."
        ),
    },
)
def receive_events(
    connection: PixelConnection, events: PixelBatch, clock: ReceiptClock, session: AppDbSession
) -> PixelBatchAccepted:
    """Store a batch of the shop's web pixel events for the next pipeline run.

    Each event is checked on its own: the malformed ones, those whose page is not on the shop's
    domains (its myshopify.com domain, or one of its connection's `storefront_domains`), and
    those more than 7 days before or 10 minutes after their receipt are reported by index and not
    stored; the others are. Event ids already stored are skipped, so the pixel
    may retry a batch freely.
    """
    stored = service.store_batch(session, connection, events, clock())
    session.commit()
    return PixelBatchAccepted(
        received=stored.received,
        stored=stored.stored,
        duplicates=stored.duplicates,
        rejected=stored.rejected,
    )
