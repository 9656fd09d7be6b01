"""`CurrentUser`: the verified caller of a request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth.service import InvalidSessionToken, find_user, verify_session_token
from api.auth.signing_keys import SigningKeysUnavailable
from api.kit.dependencies import AppDbSession, resources_of
from api.kit.errors import problem_response
from warehouse.appdb.accounts import first_sign_in
from warehouse.appdb.clerk_api import ClerkUnavailable
from warehouse.appdb.models import User

# What `CurrentUser` may answer instead of the route: for the `responses=` of its routers.
AUTH_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: problem_response(
        "No bearer token, or one that is malformed, forged, expired or issued for another app."
    ),
    403: problem_response("The account was deleted, or the caller may not do this."),
    503: problem_response("The identity provider (its keys, or its user API) is unreachable."),
}

_bearer = HTTPBearer(auto_error=False, description="A Clerk session token.")


# The bearer token of the request, for the dependencies that authenticate its caller.
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def current_user(credentials: BearerCredentials, request: Request, session: AppDbSession) -> User:
    return verified_caller(credentials, request, session)


def verified_caller(
    credentials: HTTPAuthorizationCredentials | None, request: Request, session: Session
) -> User:
    """The caller of the request, resolved once whichever dependency asks first: a dependency
    that needs it besides its own lookup (CurrentWorkspace) calls this on the same worker thread
    rather than depend on CurrentUser, which FastAPI would run on a thread of its own (a
    hand-off of 0.15 ms of CPU, measured)."""
    known: User | None = getattr(request.state, "caller", None)
    if known is not None:
        return known
    if credentials is None:
        raise HTTPException(401, "A bearer token is required.", {"WWW-Authenticate": "Bearer"})
    resources = resources_of(request)
    settings = resources.settings
    try:
        claims = resources.verified_tokens.claims(
            credentials.credentials,
            lambda token: verify_session_token(
                token,
                signing_keys=resources.signing_keys,
                issuer=settings.clerk_issuer,
                authorized_parties=settings.clerk_authorized_parties,
                max_lifetime_seconds=settings.clerk_max_token_lifetime_seconds,
            ),
        )
    except InvalidSessionToken as exc:
        raise HTTPException(
            401,
            f"The bearer token is not valid: {exc}.",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc
    except SigningKeysUnavailable as exc:
        raise HTTPException(503, "The identity provider's keys are unreachable.") from exc
    user = find_user(session, claims["sub"])
    if user is None:
        # A valid session of a user no webhook announced (yet): their first sign-in.
        try:
            user = first_sign_in(session, resources.clerk, claims["sub"])
        except ClerkUnavailable as exc:
            raise HTTPException(503, "The identity provider is unreachable.") from exc
        if user is None:
            raise HTTPException(403, "This account does not exist any more.")
        session.commit()
    if user.deleted_at is not None:
        raise HTTPException(403, "This account was deleted.")
    request.state.caller = user
    return user


CurrentUser = Annotated[User, Depends(current_user)]
