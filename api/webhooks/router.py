from __future__ import annotations

from fastapi import APIRouter

from api.kit.dependencies import AppDbSession
from api.kit.errors import problem_response
from api.webhooks.dependencies import VerifiedClerkDelivery
from api.webhooks.schemas import ClerkEvent, DeliveryReceipt
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
