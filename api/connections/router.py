"""Connections: list, disconnect, and the OAuth flows that create and renew them.

A flow starts at a workspace's `.../oauth/{provider}/start` (redirected to the platform's
consent page, or its URL answered to a web app's POST) and comes back to the one callback
registered with the platform's app, which the `state` ties to the workspace and member who
started it. Meta and Google end in a selection the member completes by choosing accounts;
Shopify in the installed shop's connection. A browser's callback lands in the web app's
Connections page (`landing.py`); an API client's is answered JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.auth.dependencies import CurrentUser
from api.connections import google, meta, shopify
from api.connections.dependencies import Clock, CurrentConnection
from api.connections.landing import (
    CallbackError,
    CallbackRefused,
    connections_page,
    wants_page,
)
from api.connections.platforms import ConsentDeclined, Grant, PlatformError, callback_url
from api.connections.revocation import revoke_grant
from api.connections.schemas import (
    AccountChoice,
    ConnectionList,
    ConnectionOut,
    ConsentOut,
    PendingSelectionOut,
    SelectionIn,
)
from api.connections.service import (
    UnknownAccounts,
    UnreadableSelection,
    complete_selection,
    connect_shop,
    disconnect,
    open_selection,
    open_selection_of,
    workspace_connections,
)
from api.connections.state import InvalidState, StateClaims, consume_state, mint_state
from api.kit.dependencies import AppDbSession, AppResources
from api.kit.errors import problem, problem_response
from api.reporting.providers import AdProvider
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace, ManagedWorkspace
from warehouse.appdb.models import Connection, PendingSelection, Provider

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


def _callback_landing(success: str) -> dict[int | str, dict[str, Any]]:
    return {
        303: {
            "description": "A browser (its `Accept` names `text/html`) lands in the web app "
            f"instead: `/workspaces/{{workspace_id}}/connections{success}` on success; on a "
            "refusal below, the same page with `?error={code}&provider={provider}` "
            f"({', '.join(f'`{e.value}`' for e in CallbackError)}), or `/connections?error=…` "
            "when the state does not tell the workspace.",
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
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
    connection still uses it (of the workspace; for Meta, of the same Facebook user in any
    workspace, since Meta revokes all of a user's tokens at once); what was landed stays, and
    connecting the same account again resumes it."""
    revocation = disconnect(session, connection, resources.credentials_cipher)
    session.commit()
    # After the commit: a platform failing to revoke is logged, it never undoes the disconnect.
    if revocation is not None:
        revoke_grant(resources.settings, resources.platforms_http, revocation)
    return Response(status_code=204)


_SHOP_QUERY = Query(
    description="The shop's `{handle}.myshopify.com` domain.", pattern=shopify.SHOP_DOMAIN_PATTERN
)
_SHOPIFY_START_PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: problem_response("`shop` is missing or not a `{handle}.myshopify.com` domain."),
    503: problem_response("The Shopify app is not configured."),
}
_ADS_START_PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: problem_response("The provider is not `meta_ads` or `google_ads`."),
    503: problem_response("The platform's app is not configured."),
}


@router.get(
    "/oauth/shopify/start",
    status_code=303,
    response_class=RedirectResponse,
    responses={**_REDIRECT, **_SHOPIFY_START_PROBLEMS},
)
def start_shopify(
    workspace: ManagedWorkspace,
    user: CurrentUser,
    session: AppDbSession,
    resources: AppResources,
    shop: Annotated[str, _SHOP_QUERY],
) -> RedirectResponse:
    """Install the Shopify app on `shop` (also how a shop is reconnected)."""
    url = _shopify_consent(workspace.id, user.id, session, resources, shop)
    return RedirectResponse(url, status_code=303)


@router.post("/oauth/shopify/start", responses=_SHOPIFY_START_PROBLEMS)
def start_shopify_for_browser(
    workspace: ManagedWorkspace,
    user: CurrentUser,
    session: AppDbSession,
    resources: AppResources,
    shop: Annotated[str, _SHOP_QUERY],
) -> ConsentOut:
    """The same start, the consent page's URL answered for a web app to navigate to (its
    navigation cannot carry the session token a redirect would need)."""
    return ConsentOut(url=_shopify_consent(workspace.id, user.id, session, resources, shop))


@router.get(
    "/oauth/{provider}/start",
    status_code=303,
    response_class=RedirectResponse,
    responses={**_REDIRECT, **_ADS_START_PROBLEMS},
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
    url = _ads_consent(provider, workspace.id, user.id, session, resources)
    return RedirectResponse(url, status_code=303)


@router.post("/oauth/{provider}/start", responses=_ADS_START_PROBLEMS)
def start_ads_for_browser(
    provider: AdProvider,
    workspace: ManagedWorkspace,
    user: CurrentUser,
    session: AppDbSession,
    resources: AppResources,
) -> ConsentOut:
    """The same start, the consent page's URL answered for a web app to navigate to."""
    return ConsentOut(url=_ads_consent(provider, workspace.id, user.id, session, resources))


@router.get(
    "/selections/{selection_id}",
    responses={404: problem_response("No such selection of the caller's, or it has expired.")},
)
def get_selection(
    selection_id: str,
    workspace: CurrentWorkspace,
    user: CurrentUser,
    session: AppDbSession,
    clock: Clock,
) -> PendingSelectionOut:
    """The accounts a consent offers, for the member who consented to choose from (where a
    browser's Meta or Google callback lands: `?selection={id}`); anyone else's is not found."""
    selection = open_selection_of(session, selection_id, workspace.id, user.id, clock())
    if selection is None:
        raise HTTPException(404, "No such selection, or it has expired: connect again.")
    return _selection_out(selection)


@router.post(
    "/selections/{selection_id}",
    responses={
        404: problem_response(
            "No such selection of the caller's, it has expired, or its consent can no longer "
            "be read (the secret key changed)."
        ),
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
    except UnreadableSelection as exc:
        # Dropped, so the member's next look at it is the same answer.
        session.commit()
        raise HTTPException(
            404, "This selection can no longer be read (the secret key changed): connect again."
        ) from exc
    session.commit()
    return ConnectionList(connections=[ConnectionOut.model_validate(c) for c in connections])


@callbacks.get(
    "/shopify/callback",
    status_code=201,
    response_model=ConnectionOut,
    responses={**_callback_landing("`?connected={connection id}`"), **_CALLBACK_PROBLEMS},
)
def shopify_callback(
    request: Request, session: AppDbSession, resources: AppResources, clock: Clock
) -> ConnectionOut | Response:
    """Where Shopify sends the merchant after installing: verified by its `hmac` and `shop`,
    then the offline token is exchanged, the connection written and the web pixel registered."""
    try:
        connection = _install_shop(request, session, resources, clock)
    except CallbackRefused as refused:
        return _refusal(request, refused)
    if wants_page(request):
        return RedirectResponse(
            connections_page(connection.workspace_id, connected=connection.id), status_code=303
        )
    return ConnectionOut.model_validate(connection)


@callbacks.get(
    "/{provider}/callback",
    status_code=201,
    response_model=PendingSelectionOut,
    responses={**_callback_landing("`?selection={selection id}`"), **_CALLBACK_PROBLEMS},
)
def ads_callback(
    provider: AdProvider,
    request: Request,
    session: AppDbSession,
    resources: AppResources,
    clock: Clock,
) -> PendingSelectionOut | Response:
    """Where Meta or Google sends the merchant after consenting: the code is exchanged and the
    accounts the grant reaches are offered for the member to choose."""
    try:
        selection = _open_ads_selection(provider, request, session, resources, clock)
    except CallbackRefused as refused:
        return _refusal(request, refused)
    if wants_page(request):
        return RedirectResponse(
            connections_page(selection.workspace_id, selection=selection.id), status_code=303
        )
    return _selection_out(selection)


def _shopify_consent(
    workspace_id: str, user_id: str, session: AppDbSession, resources: AppResources, shop: str
) -> str:
    settings = resources.settings
    if not settings.shopify_api_key:
        raise HTTPException(503, "The Shopify app is not configured (METRICX_SHOPIFY_API_KEY).")
    state = mint_state(
        session,
        resources.credentials_cipher,
        provider=Provider.SHOPIFY,
        workspace_id=workspace_id,
        user_id=user_id,
        shop=shop.lower(),
    )
    session.commit()
    redirect_uri = callback_url(settings.api_public_url, Provider.SHOPIFY)
    return shopify.consent_url(settings, shop.lower(), redirect_uri, state)


def _ads_consent(
    provider: AdProvider,
    workspace_id: str,
    user_id: str,
    session: AppDbSession,
    resources: AppResources,
) -> str:
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
        workspace_id=workspace_id,
        user_id=user_id,
    )
    session.commit()
    redirect_uri = callback_url(settings.api_public_url, provider.value)
    platform = meta if provider is AdProvider.META_ADS else google
    return platform.consent_url(settings, redirect_uri, state)


def _install_shop(
    request: Request, session: AppDbSession, resources: AppResources, clock: Clock
) -> Connection:
    settings = resources.settings
    params = dict(request.query_params)
    provider = Provider.SHOPIFY.value
    if not shopify.callback_is_authentic(params, settings.shopify_api_secret):
        raise CallbackRefused(
            403, CallbackError.INVALID_CALLBACK, "The callback's hmac does not verify.", provider
        )
    shop = params.get("shop", "").lower()
    if not shopify.valid_shop_domain(shop):
        raise CallbackRefused(
            400,
            CallbackError.INVALID_CALLBACK,
            "The callback's `shop` is not a myshopify.com domain.",
            provider,
        )
    claims = _claims(session, resources, params.get("state"), provider, clock())
    if claims.shop != shop:
        raise CallbackRefused(
            403,
            CallbackError.INVALID_CALLBACK,
            "The callback is for another shop than the install started.",
            provider,
            claims.workspace_id,
        )
    code = _code(params, claims)
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
        raise CallbackRefused(
            502, CallbackError.PLATFORM_ERROR, str(exc), provider, claims.workspace_id
        ) from exc
    session.commit()
    return connection


def _open_ads_selection(
    provider: AdProvider,
    request: Request,
    session: AppDbSession,
    resources: AppResources,
    clock: Clock,
) -> PendingSelection:
    settings = resources.settings
    params = dict(request.query_params)
    claims = _claims(session, resources, params.get("state"), provider.value, clock())
    try:
        if "error" in params:
            raise ConsentDeclined(params.get("error_description") or params["error"])
        code = _code(params, claims)
        redirect_uri = callback_url(settings.api_public_url, provider.value)
        platform = meta if provider is AdProvider.META_ADS else google
        grant: Grant = platform.exchange(settings, resources.platforms_http, code, redirect_uri)
    except ConsentDeclined as exc:
        session.commit()  # the state stays used
        raise CallbackRefused(
            403,
            CallbackError.CONSENT_DECLINED,
            f"Consent was declined on the platform: {exc}.",
            provider.value,
            claims.workspace_id,
        ) from exc
    except PlatformError as exc:
        session.commit()
        raise CallbackRefused(
            502, CallbackError.PLATFORM_ERROR, str(exc), provider.value, claims.workspace_id
        ) from exc
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
    return selection


def _refusal(request: Request, refused: CallbackRefused) -> Response:
    if wants_page(request):
        target = connections_page(
            refused.workspace_id, error=refused.error.value, provider=refused.provider
        )
        return RedirectResponse(target, status_code=303)
    return problem(refused.status, refused.detail)


def _claims(
    session: AppDbSession,
    resources: AppResources,
    state: str | None,
    provider: str,
    now: datetime,
) -> StateClaims:
    if not state:
        raise CallbackRefused(
            403, CallbackError.INVALID_STATE, "The callback carries no state.", provider
        )
    try:
        claims = consume_state(session, resources.credentials_cipher, state, provider, now)
    except InvalidState as exc:
        raise CallbackRefused(
            403, CallbackError.INVALID_STATE, f"{exc} Start connecting again.", provider
        ) from exc
    return claims


def _code(params: dict[str, str], claims: StateClaims) -> str:
    code = params.get("code")
    if not code:
        raise CallbackRefused(
            400,
            CallbackError.MISSING_CODE,
            "The callback carries no authorization code.",
            claims.provider,
            claims.workspace_id,
        )
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
