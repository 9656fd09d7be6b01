"""`PlatformAdmin`: a caller named in METRICX_PLATFORM_ADMINS."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from api.auth.dependencies import CurrentUser
from api.kit.dependencies import AppResources
from metricx.settings import split_list
from warehouse.appdb.models import User


def platform_admin(user: CurrentUser, resources: AppResources) -> User:
    if user.clerk_user_id not in split_list(resources.settings.platform_admins):
        raise HTTPException(403, "Only platform administrators may do this.")
    return user


PlatformAdmin = Annotated[User, Depends(platform_admin)]
