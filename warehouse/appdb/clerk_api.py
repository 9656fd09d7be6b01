"""Client of Clerk's Backend API, for the user profiles metricx mirrors: one user by id (a first
sign-in nobody announced) and every user, page by page (the repair).

Points at `https://api.clerk.com` in production and at the simulator in tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel

# Clerk's largest page (`limit` is 1..500).
PAGE_SIZE = 500
_TIMEOUT_SECONDS = 10


class ClerkUnavailable(Exception):
    """Clerk's Backend API did not answer, or answered an error."""


class ClerkProfile(BaseModel):
    """What metricx keeps of a Clerk user."""

    clerk_user_id: str
    email: str
    updated_at: datetime


def parse_user(user: dict[str, Any]) -> ClerkProfile:
    """A Clerk user object (Backend API or webhook `data`) reduced to its profile.

    The email is the primary one (`primary_email_address_id` into `email_addresses`), lower-cased
    as Clerk compares addresses; a user without one (phone-only sign-up) keeps an empty email.
    """
    primary = user.get("primary_email_address_id")
    emails = {address["id"]: address["email_address"] for address in user["email_addresses"]}
    return ClerkProfile(
        clerk_user_id=user["id"],
        email=emails.get(primary, "").lower(),
        updated_at=from_clerk_ms(user["updated_at"]),
    )


def from_clerk_ms(value: int) -> datetime:
    """Clerk's timestamps are Unix milliseconds."""
    return datetime.fromtimestamp(value / 1000, UTC)


class ClerkBackend:
    """One HTTP client for the process's lifetime; `close()` it."""

    def __init__(self, api_url: str, secret_key: str) -> None:
        self._client = httpx.Client(
            base_url=api_url,
            headers={"Authorization": f"Bearer {secret_key}"},
            timeout=_TIMEOUT_SECONDS,
        )

    def close(self) -> None:
        self._client.close()

    def user(self, clerk_user_id: str) -> ClerkProfile | None:
        """The user's profile, None when Clerk has no such user (never was, or deleted)."""
        response = self._get(f"/v1/users/{clerk_user_id}", {})
        if response.status_code == 404:
            return None
        return parse_user(self._json(response))

    def users(self, page_size: int = PAGE_SIZE) -> Iterator[ClerkProfile]:
        """Every user, newest first, read `page_size` at a time until a short page."""
        offset = 0
        while True:
            response = self._get("/v1/users", {"limit": page_size, "offset": offset})
            page = self._json(response)
            yield from (parse_user(user) for user in page)
            if len(page) < page_size:
                return
            offset += page_size

    def _get(self, path: str, params: dict[str, int]) -> httpx.Response:
        try:
            return self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise ClerkUnavailable(f"Clerk's Backend API is unreachable: {exc}") from exc

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.is_error:
            raise ClerkUnavailable(
                f"Clerk's Backend API answered {response.status_code} to {response.request.url}"
            )
        return response.json()
