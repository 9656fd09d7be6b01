from __future__ import annotations

from fastapi import APIRouter

from api.kit.dependencies import AppResources
from api.web.schemas import WebConfig

router = APIRouter(prefix="/v1/web", tags=["web"])


@router.get("/config")
def web_config(resources: AppResources) -> WebConfig:
    """How the web app signs a merchant in; public, as the app asks before anyone has."""
    settings = resources.settings
    return WebConfig(
        sign_in_url=settings.clerk_sign_in_url or None,
        clerk_publishable_key=settings.clerk_publishable_key or None,
    )
