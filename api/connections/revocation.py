"""Revoking a disconnected connection's grant at its platform, so the token is worthless even
if it leaked; what each platform offers for it is in its module (`revoke`)."""

from __future__ import annotations

import logging

import httpx

from api.connections import google, meta, shopify
from api.connections.platforms import PlatformError
from api.connections.service import Revocation
from metricx.settings import Settings
from warehouse.appdb.models import Provider

logger = logging.getLogger(__name__)


def revoke_grant(settings: Settings, http: httpx.Client, revocation: Revocation) -> bool:
    """Whether the platform revoked the grant. A failure is logged, never raised: the
    disconnect is already committed and the credentials forgotten, so metricx can no longer
    use the token either way, and a platform that is down must not keep a merchant from
    disconnecting. The token then lives until it expires or the merchant removes the app."""
    try:
        if revocation.provider == Provider.META_ADS:
            meta.revoke(settings, http, revocation.credentials)
        elif revocation.provider == Provider.GOOGLE_ADS:
            google.revoke(settings, http, revocation.credentials)
        elif revocation.provider == Provider.SHOPIFY:
            shopify.revoke(settings, http, revocation.external_account_id, revocation.credentials)
        else:
            return False
    except (PlatformError, httpx.HTTPError, KeyError) as exc:
        logger.warning(
            "revoking the %s grant of disconnected connection %s failed: %s",
            revocation.provider,
            revocation.connection_id,
            exc if not isinstance(exc, KeyError) else f"no {exc} in its credentials",
        )
        return False
    return True
