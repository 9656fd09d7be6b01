from __future__ import annotations

from fastapi import APIRouter

from api.kit.dependencies import AppDbSession
from api.kit.errors import problem_response
from api.pixel import service
from api.pixel.dependencies import (
    MAX_BODY_BYTES,
    MAX_EVENTS_PER_BATCH,
    PixelBatch,
    PixelConnection,
    ReceiptClock,
)
from api.pixel.schemas import PixelBatchAccepted

router = APIRouter(prefix="/v1/pixel", tags=["pixel"])


@router.post(
    "/events",
    status_code=202,
    responses={
        400: problem_response("The body is not JSON."),
        401: problem_response("The X-Metricx-Pixel-Key header is missing, unknown or revoked."),
        413: problem_response(
            f"The body exceeds {MAX_BODY_BYTES} bytes or holds more than {MAX_EVENTS_PER_BATCH} "
            "events."
        ),
        422: problem_response('The body is not a JSON object with an "events" array.'),
    },
)
def receive_events(
    connection: PixelConnection, events: PixelBatch, clock: ReceiptClock, session: AppDbSession
) -> PixelBatchAccepted:
    """Store a batch of the shop's web pixel events for the next pipeline run.

    Each event is validated on its own: the malformed ones are reported by index and not stored,
    the others are. Event ids already stored are skipped, so the pixel may retry a batch freely.
    """
    stored = service.store_batch(session, connection, events, clock())
    session.commit()
    return PixelBatchAccepted(
        received=stored.received,
        stored=stored.stored,
        duplicates=stored.duplicates,
        rejected=stored.rejected,
    )
