"""`VerifiedClerkDelivery`: the event of a delivery whose Svix signature checks out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from api.kit.dependencies import AppResources
from api.webhooks.service import InvalidDelivery, verify_clerk_delivery
from metricx.settings import split_list


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
