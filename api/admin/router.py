from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException

from api.admin.dependencies import PlatformAdmin
from api.admin.schemas import UserRepair
from api.auth.dependencies import AUTH_PROBLEMS
from api.kit.dependencies import AppDbSession, AppResources
from warehouse.appdb.accounts import repair_users
from warehouse.appdb.clerk_api import ClerkUnavailable

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=AUTH_PROBLEMS)


@router.post("/clerk/repair")
def repair_clerk_users(
    _admin: PlatformAdmin, session: AppDbSession, resources: AppResources
) -> UserRepair:
    """Reconcile the users with Clerk's list, for when webhook deliveries were lost: creates
    the missing, updates the changed, soft-deletes those Clerk no longer has. Idempotent; also
    `metricx clerk-repair` and the Dagster job `clerk_repair`."""
    try:
        counts = repair_users(session, resources.clerk)
    except ClerkUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    session.commit()
    return UserRepair(**asdict(counts))
