"""Verification of Clerk's (Svix-signed) deliveries."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


class InvalidDelivery(Exception):
    """Not signed by any of the endpoint's secrets, tampered with, or outside the tolerance."""


def verify_clerk_delivery(
    body: bytes, headers: Mapping[str, str], secrets: Sequence[str]
) -> dict[str, Any]:
    """The event of a delivery signed with one of `secrets` (several during a rotation).

    The `svix` library checks the signature over `{svix-id}.{svix-timestamp}.{body}` in
    constant time, and refuses a timestamp more than five minutes from this server's clock, so a
    captured delivery cannot be replayed later (an early replay is caught by its `svix-id`).
    """
    if not secrets:
        raise InvalidDelivery("no webhook secret is configured (METRICX_CLERK_WEBHOOK_SECRET)")
    # Imported at the first delivery, not with the API: the `svix` package loads its whole API
    # client (some 340 modules, 5 MB of the API's resident memory) to verify a signature.
    from svix.webhooks import Webhook, WebhookVerificationError

    svix_headers = {
        name: headers.get(name, "") for name in ("svix-id", "svix-timestamp", "svix-signature")
    }
    failure = "no signature matched"
    for secret in secrets:
        try:
            Webhook(secret).verify(body, svix_headers)
        except WebhookVerificationError as exc:
            failure = str(exc)
            continue
        event = json.loads(body)
        if not isinstance(event, dict):
            raise InvalidDelivery("the body is not an event object")
        return event
    raise InvalidDelivery(failure)
