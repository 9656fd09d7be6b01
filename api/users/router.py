from __future__ import annotations

from fastapi import APIRouter

from api.auth.dependencies import AUTH_PROBLEMS, CurrentUser
from api.kit.dependencies import AppDbSession
from api.users.schemas import Me
from api.users.service import signed_in

router = APIRouter(prefix="/v1", tags=["users"], responses=AUTH_PROBLEMS)


@router.get("/me")
def me(user: CurrentUser, session: AppDbSession) -> Me:
    """The caller and their workspaces. The dashboard calls it after each sign-in: invitations
    sent to the caller's email are accepted here, and a caller who belongs to no workspace gets
    one of their own, as its owner."""
    answer = signed_in(session, user)
    session.commit()
    return answer
