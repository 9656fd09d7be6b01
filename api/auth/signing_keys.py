"""The Clerk instance's signing keys (its JWKS), kept in memory and refreshed without making a
request wait on the identity provider when it does not have to.

PyJWT's `PyJWKClient` holds one lock across its fetch, so a JWKS endpoint that hangs makes every
authenticated request queue behind it for the fetch timeout, and it forgets the keys it had when
a refresh fails. Here:

- a known key is served from memory, always: a refresh of stale keys runs in the background;
- a fetch failure is remembered for `failure_memory` seconds, during which nobody fetches again
  and requests that need keys the process lacks are answered 503 at once;
- an unknown `kid` (Clerk rotated its key, or a forged header) starts one background fetch, at
  most every `unknown_kid_interval` seconds, and only requests that need that key wait for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx
import jwt

logger = logging.getLogger(__name__)

# Clerk rotates signing keys rarely; an unknown `kid` fetches them anyway.
MAX_AGE_SECONDS = 300
FETCH_TIMEOUT_SECONDS = 5
FAILURE_MEMORY_SECONDS = 30
UNKNOWN_KID_INTERVAL_SECONDS = 30


class SigningKeysUnavailable(Exception):
    """The keys a token needs cannot be fetched now (this says nothing about the token)."""


class UnknownSigningKey(Exception):
    """The JWKS, freshly fetched, has no key with the token's `kid`."""


class SigningKeys:
    """Thread-safe; the fetches run on daemon threads, one at a time."""

    def __init__(
        self,
        jwks_url: str,
        *,
        max_age: float = MAX_AGE_SECONDS,
        fetch_timeout: float = FETCH_TIMEOUT_SECONDS,
        failure_memory: float = FAILURE_MEMORY_SECONDS,
        unknown_kid_interval: float = UNKNOWN_KID_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = jwks_url
        self._max_age = max_age
        self._fetch_timeout = fetch_timeout
        self._failure_memory = failure_memory
        self._unknown_kid_interval = unknown_kid_interval
        self._clock = clock
        # Held only to read or swap the state below, never across a fetch.
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._fetch_done: threading.Event | None = None  # set while a fetch runs

    def key(self, kid: str) -> jwt.PyJWK:
        """The signing key `kid`. Raises `UnknownSigningKey` or `SigningKeysUnavailable`."""
        with self._lock:
            key = self._keys.get(kid)
            now = self._clock()
            if key is not None:
                if self._fetched_at is not None and now - self._fetched_at > self._max_age:
                    self._start_fetch(now)
                return key
            pending = self._fetch_done or self._start_fetch(now, unknown_kid=True)
        if pending is None:
            # No fetch allowed now: a recent one failed, or just answered without this `kid`.
            raise self._missing(kid)
        # A rotation's new key is worth waiting for; the fetch is bounded by its timeout.
        pending.wait(self._fetch_timeout + 1)
        with self._lock:
            key = self._keys.get(kid)
        if key is None:
            raise self._missing(kid)
        return key

    def _missing(self, kid: str) -> Exception:
        with self._lock:
            failed = self._failed_at is not None and (
                self._fetched_at is None or self._failed_at > self._fetched_at
            )
        if failed:
            return SigningKeysUnavailable("the identity provider's keys are unreachable")
        return UnknownSigningKey(f"no signing key has kid {kid!r}")

    def _start_fetch(self, now: float, *, unknown_kid: bool = False) -> threading.Event | None:
        """Start a background fetch unless one runs or the last outcome is too recent; the
        event it sets when done. Called with the lock held."""
        if self._fetch_done is not None:
            return self._fetch_done
        if self._failed_at is not None and now - self._failed_at < self._failure_memory:
            return None
        if (
            unknown_kid
            and self._fetched_at is not None
            and now - self._fetched_at < self._unknown_kid_interval
        ):
            return None
        done = self._fetch_done = threading.Event()
        threading.Thread(target=self._fetch, args=(done,), name="jwks-fetch", daemon=True).start()
        return done

    def _fetch(self, done: threading.Event) -> None:
        try:
            response = httpx.get(self._url, timeout=self._fetch_timeout)
            response.raise_for_status()
            keys = {
                key.key_id: key
                for key in jwt.PyJWKSet.from_dict(response.json()).keys
                if key.key_id is not None
            }
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
            # Keep the keys already fetched: a token signed by one of them is still good.
            logger.warning("fetching the JWKS at %s failed: %s", self._url, error)
            with self._lock:
                self._failed_at = self._clock()
                self._fetch_done = None
        else:
            with self._lock:
                self._keys = keys
                self._fetched_at = self._clock()
                self._failed_at = None
                self._fetch_done = None
        finally:
            done.set()
