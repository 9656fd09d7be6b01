"""Clerk's users, simulated: the store behind the Backend API's `/v1/users` and the webhooks
Clerk sends (through Svix) when a user is created, updated or deleted.

Seeded with one user per merchant. Changes made here (by tests, or by the demo) are queued as
signed Svix deliveries in `outbox`; whoever plays the network takes them and posts them to the
metricx endpoint, or drops them on purpose (what the repair exists for).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from svix.webhooks import Webhook

if TYPE_CHECKING:
    from simulator.world import World

# Fixed, so the settings pointing metricx at the simulator can name it (stack/simulated.py);
# the real Clerk shows one per endpoint in its dashboard.
SIMULATED_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"metricx-simulated-clerk-svix-key").decode()
SIMULATED_SECRET_KEY = "sk_test_metricx_simulated"


@dataclass
class ClerkUser:
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    session_id: str
    created_at: int  # Unix milliseconds, as Clerk sends them
    updated_at: int
    email_id: str = field(default_factory=lambda: f"idn_{secrets.token_hex(12)}")

    def wire(self) -> dict[str, Any]:
        """The user as Clerk's Backend API and webhooks serialize it (the fields metricx may
        read, and enough of the rest that a client must pick its fields out)."""
        return {
            "id": self.id,
            "object": "user",
            "username": None,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "image_url": "https://img.clerk.com/placeholder",
            "has_image": False,
            "primary_email_address_id": self.email_id,
            "primary_phone_number_id": None,
            "primary_web3_wallet_id": None,
            "password_enabled": False,
            "two_factor_enabled": False,
            "email_addresses": [
                {
                    "id": self.email_id,
                    "object": "email_address",
                    "email_address": self.email,
                    "reserved": False,
                    "verification": {"status": "verified", "strategy": "email_code"},
                    "linked_to": [],
                    "created_at": self.created_at,
                    "updated_at": self.updated_at,
                }
            ],
            "phone_numbers": [],
            "web3_wallets": [],
            "external_accounts": [],
            "public_metadata": {},
            "private_metadata": {},
            "unsafe_metadata": {},
            "external_id": None,
            "last_sign_in_at": None,
            "banned": False,
            "locked": False,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "last_active_at": None,
        }


@dataclass(frozen=True)
class WebhookDelivery:
    """One Svix delivery: the exact body and the headers it is signed with."""

    svix_id: str
    event_type: str
    body: str
    headers: dict[str, str]


class ClerkUsers:
    """The Clerk instance's users, a world platform (`world.platform(ClerkUsers)`)."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._lock = threading.Lock()
        self.signing_secret = SIMULATED_WEBHOOK_SECRET
        self.outbox: list[WebhookDelivery] = []
        self._users: dict[str, ClerkUser] = {}
        now = self._now_ms()
        for merchant in world.merchants:
            self._users[merchant.clerk_user_id] = ClerkUser(
                id=merchant.clerk_user_id,
                email=merchant.email,
                first_name=merchant.name.split()[0],
                last_name=None,
                session_id=merchant.clerk_session_id,
                created_at=now,
                updated_at=now,
            )

    @classmethod
    def of(cls, world: World) -> ClerkUsers:
        return world.platform(cls)

    def _now_ms(self) -> int:
        return int(self._world.now().timestamp() * 1000)

    def _later_ms(self, previous: int) -> int:
        # Strictly later than the previous version even on a frozen world clock: metricx orders
        # a user's versions by `updated_at`.
        return max(self._now_ms(), previous + 1)

    # --- reads (the Backend API) ---

    def get(self, user_id: str) -> ClerkUser | None:
        return self._users.get(user_id)

    def by_session(self, session_id: str) -> ClerkUser | None:
        return next((u for u in self._users.values() if u.session_id == session_id), None)

    def page(self, limit: int, offset: int) -> list[ClerkUser]:
        """Clerk's default order: newest first (`-created_at`), ties by id."""
        with self._lock:
            ordered = sorted(self._users.values(), key=lambda u: (-u.created_at, u.id))
        return ordered[offset : offset + limit]

    # --- changes, each queued as a webhook ---

    def create(self, email: str, first_name: str | None = None) -> ClerkUser:
        suffix = secrets.token_hex(8)
        now = self._now_ms()
        user = ClerkUser(
            id=f"user_{suffix}",
            email=email,
            first_name=first_name,
            last_name=None,
            session_id=f"sess_{suffix}",
            created_at=now,
            updated_at=now,
        )
        with self._lock:
            self._users[user.id] = user
            self._queue("user.created", user.wire())
        return user

    def update(
        self, user_id: str, *, email: str | None = None, first_name: str | None = None
    ) -> ClerkUser:
        with self._lock:
            user = self._users[user_id]
            if email is not None:
                user.email = email
            if first_name is not None:
                user.first_name = first_name
            user.updated_at = self._later_ms(user.updated_at)
            self._queue("user.updated", user.wire())
        return user

    def delete(self, user_id: str) -> None:
        with self._lock:
            del self._users[user_id]
            # Clerk's `user.deleted` carries only the id: no profile, no `updated_at`.
            self._queue("user.deleted", {"deleted": True, "id": user_id, "object": "user"})

    def take_outbox(self) -> list[WebhookDelivery]:
        with self._lock:
            deliveries, self.outbox = self.outbox, []
        return deliveries

    def _queue(self, event_type: str, data: dict[str, Any]) -> None:
        event = {
            "data": data,
            "object": "event",
            "type": event_type,
            "timestamp": self._now_ms(),
            "instance_id": "ins_metricx_simulated",
        }
        self.outbox.append(sign_delivery(self.signing_secret, event))


def sign_delivery(
    secret: str,
    event: dict[str, Any],
    *,
    svix_id: str | None = None,
    timestamp: datetime | None = None,
) -> WebhookDelivery:
    """A delivery of `event` as Svix signs it: `v1,<base64 HMAC-SHA256>` over
    `{svix-id}.{svix-timestamp}.{body}` with the endpoint's secret. The timestamp is the real
    clock's, not the world's: the receiver checks it against its own."""
    svix_id = svix_id or f"msg_{secrets.token_hex(12)}"
    timestamp = timestamp or datetime.now().astimezone()
    body = json.dumps(event)
    signature = Webhook(secret).sign(svix_id, timestamp, body)
    return WebhookDelivery(
        svix_id=svix_id,
        event_type=str(event["type"]),
        body=body,
        headers={
            "svix-id": svix_id,
            "svix-timestamp": str(int(timestamp.timestamp())),
            "svix-signature": signature,
            "content-type": "application/json",
        },
    )
