"""Connections: list, disconnect, and the OAuth flows that create and renew them.

A flow starts at a workspace's `.../oauth/{provider}/start` (redirected to the platform's
consent page) and comes back to the one callback registered with the platform's app, which the
`state` ties to the workspace and member who started it. Meta and Google end in a selection the
member completes by choosing accounts; Shopify in the installed shop's connection.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.auth.dependencies import CurrentUser
from api.connections import google, meta, shopify
from api.connections.dependencies import Clock, CurrentConnection
from api.connections.platforms import ConsentDeclined, Grant, PlatformError, callback_url
from api.connections.revocation import revoke_grant
from api.connections.schemas import (
    AccountChoice,
    ConnectionList,
    ConnectionOut,
    PendingSelectionOut,
    SelectionIn,
)
from api.connections.service import (
    UnknownAccounts,
    complete_selection,
    connect_shop,
    disconnect,
    open_selection,
    open_selection_of,
    workspace_connections,
)
from api.connections.state import InvalidState, StateClaims, consume_state, mint_state
from api.kit.dependencies import AppDbSession, AppResources
from api.kit.errors import problem_response
from api.reporting.providers import AdProvider
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace, ManagedWorkspace
from warehouse.appdb.models import PendingSelection, Provider

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}/connections",
    tags=["connections"],
    responses=WORKSPACE_PROBLEMS,
)
# Reached by the browser the platform redirects, without a session token: the state
# authenticates it.
callbacks = APIRouter(prefix="/v1/connections/oauth", tags=["connections"])

_REDIRECT: dict[int | str, dict[str, Any]] = {
    303: {"description": "To the platform's consent page."}
}
_CALLBACK_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: problem_response("The callback carries no authorization code, or no valid `shop`."),
    # The state (and Shopify's hmac) is what authorizes a callback: refused, it is forbidden.
    403: problem_response(
        "The merchant declined on the platform's consent page, or the callback is not "
        "authorized: its state is forged, expired, already used or for another flow (or "
        "Shopify's hmac does not verify). Start connecting again."
    ),
    422: problem_response("The provider is not one with this callback."),
    502: problem_response("The platform refused or failed a step of the exchange."),
}


@router.get("")
def list_connections(workspace: CurrentWorkspace, session: AppDbSession) -> ConnectionList:
    """The workspace's connections, with their status (`needs_reconnect` asks for a reconnect)."""
    connections = workspace_connections(session, workspace.id)
    return ConnectionList(connections=[ConnectionOut.model_validate(c) for c in connections])


@router.get("/{connection_id}", responses={404: problem_response("No such connection.")})
def get_connection(connection: CurrentConnection) -> ConnectionOut:
    return ConnectionOut.model_validate(connection)


@router.delete(
    "/{connection_id}", status_code=204, responses={404: problem_response("No such connection.")}
)
def delete_connection(
    connection: CurrentConnection,
    _managed: ManagedWorkspace,
    session: AppDbSession,
    resources: AppResources,
) -> Response:
    """Disconnect: syncing stops, the credentials are forgotten and the platform grant revoked
    (Meta's app permissions, Google's grant, the Shopify app uninstalled) unless another
    connection of the workspace still uses it; what was landed stays, and connecting the same
    account again resumes it."""
    revocation = disconnect(session, connection, resources.credentials_cipher)
    session.commit()
    # After the commit: a platform failing to revoke is logged, it never undoes the disconnect.
    if revocation is not None:
        revoke_grant(resources.settings, resources.platforms_http, revocation)
    return Response(status_code=204)


@router.get(
    "/oauth/shopify/start",
    status_code=303,
    response_class=RedirectResponse,
    responses={
        **_REDIRECT,
        422: problem_response("`shop` is missing or not a `{handle}.myshopify.com` domain."),
        503: problem_response("The Shopify app is not configured."),
    },
)
def start_shopify(
    workspace: ManagedWorkspace,
    user: CurrentUser,
    session: AppDbSession,
    resources: AppResources,
    shop: Annotated[
        str,
        Query(
            description="The shop's `{handle}.myshopify.com` domain.",
            pattern=shopify.SHOP_DOMAIN_PATTERN,
        ),
    ],
) -> RedirectResponse:
    """Install the Shopify app on `shop` (also how a shop is reconnected)."""
    settings = resources.settings
    if not settings.shopify_api_key:
        raise HTTPException(503, "The Shopify app is not configured (METRICX_SHOPIFY_API_KEY).")
    state = mint_state(
        session,
        resources.credentials_cipher,
        provider=Provider.SHOPIFY,
        workspace_id=workspace.id,
        user_id=user.id,
        shop=shop.lower(),
    )
    session.commit()
    redirect_uri = callback_url(settings.api_public_url, Provider.SHOPIFY)
    return RedirectResponse(
        shopify.consent_url(settings, shop.lower(), redirect_uri, state), status_code=303
    )


@router.get(
    "/oauth/{provider}/start",
    status_code=303,
    response_class=RedirectResponse,
    responses={
        **_REDIRECT,
        422: problem_response("The provider is not `meta_ads` or `google_ads`."),
        503: problem_response("The platform's app is not configured."),
    },
)
def start_ads(
    provider: AdProvider,
    workspace: ManagedWorkspace,
    user: CurrentUser,
    session: AppDbSession,
    resources: AppResources,
) -> RedirectResponse:
    """Connect Meta or Google Ads accounts (also how one is reconnected): consent, then choose
    the accounts (`POST .../selections/{id}`)."""
    settings = resources.settings
    app_id = (
        settings.meta_app_id if provider is AdProvider.META_ADS else settings.google_oauth_client_id
    )
    if not app_id:
        raise HTTPException(503, f"The {provider.value} app is not configured.")
    state = mint_state(
        session,
        resources.credentials_cipher,
        provider=provider.value,
        workspace_id=workspace.id,
        user_id=user.id,
    )
    session.commit()
    redirect_uri = callback_url(settings.api_public_url, provider.value)
    platform = meta if provider is AdProvider.META_ADS else google
    return RedirectResponse(platform.consent_url(settings, redirect_uri, state), status_code=303)


@router.post(
    "/selections/{selection_id}",
    responses={
        404: problem_response("No such selection of the caller's, or it has expired."),
        400: problem_response("The body is not JSON."),
        422: problem_response("The body is not a choice, or an account chosen is not offered."),
    },
)
def choose_accounts(
    selection_id: str,
    choice: SelectionIn,
    workspace: ManagedWorkspace,
    user: CurrentUser,
    session: AppDbSession,
    resources: AppResources,
    clock: Clock,
) -> ConnectionList:
    """Connect the chosen accounts of a consent (renewing those already connected)."""
    now = clock()
    selection = open_selection_of(session, selection_id, workspace.id, user.id, now)
    if selection is None:
        raise HTTPException(404, "No such selection, or it has expired: connect again.")
    try:
        connections = complete_selection(
            session, resources.credentials_cipher, selection, choice.external_account_ids, now
        )
    except UnknownAccounts as exc:
        raise HTTPException(422, f"Not offered by this selection: {exc}.") from exc
    session.commit()
    return ConnectionList(connections=[ConnectionOut.model_validate(c) for c in connections])


@callbacks.get("/shopify/callback", status_code=201, responses=_CALLBACK_PROBLEMS)
def shopify_callback(
    request: Request, session: AppDbSession, resources: AppResources, clock: Clock
) -> ConnectionOut:
    """Where Shopify sends the merchant after installing: verified by its `hmac` and `shop`,
    then the offline token is exchanged, the connection written and the web pixel registered."""
    settings = resources.settings
    params = dict(request.query_params)
    if not shopify.callback_is_authentic(params, settings.shopify_api_secret):
        raise HTTPException(403, "The callback's hmac does not verify.")
    shop = params.get("shop", "").lower()
    if not shopify.valid_shop_domain(shop):
        raise HTTPException(400, "The callback's `shop` is not a myshopify.com domain.")
    claims = _claims(session, resources, params.get("state"), Provider.SHOPIFY, clock())
    if claims.shop != shop:
        raise HTTPException(403, "The callback is for another shop than the install started.")
    code = _code(params)
    http = resources.platforms_http
    try:
        access_token = shopify.exchange(settings, http, shop, code)
        connection, pixel_key = connect_shop(
            session,
            resources.credentials_cipher,
            workspace_id=claims.workspace_id,
            shop=shop,
            access_token=access_token,
            now=clock(),
        )
        shopify.register_web_pixel(settings, http, shop, access_token, pixel_key)
    except PlatformError as exc:
        session.commit()  # the state stays used
        raise HTTPException(502, str(exc)) from exc
    session.commit()
    return ConnectionOut.model_validate(connection)


@callbacks.get("/{provider}/callback", status_code=201, responses=_CALLBACK_PROBLEMS)
def ads_callback(
    provider: AdProvider,
    request: Request,
    session: AppDbSession,
    resources: AppResources,
    clock: Clock,
) -> PendingSelectionOut:
    """Where Meta or Google sends the merchant after consenting: the code is exchanged and the
    accounts the grant reaches are offered for the member to choose."""
    settings = resources.settings
    params = dict(request.query_params)
    claims = _claims(session, resources, params.get("state"), provider.value, clock())
    try:
        if "error" in params:
            raise ConsentDeclined(params.get("error_description") or params["error"])
        code = _code(params)
        redirect_uri = callback_url(settings.api_public_url, provider.value)
        platform = meta if provider is AdProvider.META_ADS else google
        grant: Grant = platform.exchange(settings, resources.platforms_http, code, redirect_uri)
    except ConsentDeclined as exc:
        session.commit()  # the state stays used
        raise HTTPException(403, f"Consent was declined on the platform: {exc}.") from exc
    except PlatformError as exc:
        session.commit()
        raise HTTPException(502, str(exc)) from exc
    selection = open_selection(
        session,
        resources.credentials_cipher,
        provider=provider.value,
        workspace_id=claims.workspace_id,
        user_id=claims.user_id,
        grant=grant,
        now=clock(),
    )
    session.commit()
    return _selection_out(selection)


def _claims(
    session: AppDbSession,
    resources: AppResources,
    state: str | None,
    provider: str,
    now: datetime,
) -> StateClaims:
    if not state:
        raise HTTPException(403, "The callback carries no state.")
    try:
        claims = consume_state(session, resources.credentials_cipher, state, provider, now)
    except InvalidState as exc:
        raise HTTPException(403, f"{exc} Start connecting again.") from exc
    return claims


def _code(params: dict[str, str]) -> str:
    code = params.get("code")
    if not code:
        raise HTTPException(400, "The callback carries no authorization code.")
    return code


def _selection_out(selection: PendingSelection) -> PendingSelectionOut:
    return PendingSelectionOut(
        id=selection.id,
        provider=Provider(selection.provider),
        workspace_id=selection.workspace_id,
        accounts=[
            AccountChoice(
                external_account_id=account["external_account_id"],
                display_name=account["display_name"],
                manager_path=account.get("manager_path", []),
            )
            for account in selection.accounts
        ],
        expires_at=selection.expires_at,
    )
