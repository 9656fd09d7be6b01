"""What every simulated OAuth consent shares: who is signed in to the platform in the browser,
and single-use authorization codes.

A real consent page knows its user from the platform's own session cookie. The simulator has no
browser session: the client names the signed-in merchant with the simulator-only query parameter
`sim_login` (the merchant's slug) on the consent URL it follows.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable

from simulator.merchants import Merchant

SIM_LOGIN_PARAM = "sim_login"


class AuthorizationCodes:
    """Codes handed to the redirect URI, each exchangeable once, for the redirect URI it was
    issued for (as RFC 6749 §4.1.3 requires)."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._codes: dict[str, tuple[Merchant, str]] = {}
        self._lock = threading.Lock()

    def issue(self, merchant: Merchant, redirect_uri: str) -> str:
        code = f"{self._prefix}{secrets.token_urlsafe(24)}"
        with self._lock:
            self._codes[code] = (merchant, redirect_uri)
        return code

    def redeem(self, code: str, redirect_uri: str | None) -> Merchant | None:
        """The merchant who consented, once; None for an unknown, used or misdirected code."""
        with self._lock:
            issued = self._codes.pop(code, None)
        if issued is None or (redirect_uri is not None and issued[1] != redirect_uri):
            return None
        return issued[0]


def signed_in(merchants: Iterable[Merchant], slug: str | None) -> Merchant | None:
    return next((m for m in merchants if m.slug == slug), None) if slug else None
