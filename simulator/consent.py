"""What every simulated OAuth consent shares: who is signed in to the platform in the browser,
and single-use authorization codes.

A real consent page knows its user from the platform's own session cookie. The simulator has no
browser session: the client names the signed-in merchant with the simulator-only query parameter
`sim_login` (the merchant's slug) on the consent URL it follows. A browser that names nobody is
shown the platform's sign-in page instead: the merchants, each a link to the same consent URL
with their `sim_login`.
"""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Iterable
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

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


def wants_page(request: Request) -> bool:
    """A browser navigating (`Accept: text/html,…`), not an API client."""
    return "text/html" in request.headers.get("accept", "")


def sign_in_page(platform: str, request: Request, merchants: Iterable[Merchant]) -> HTMLResponse:
    """The platform's sign-in and consent in one page: choosing a merchant signs in as them
    and allows metricx's access."""
    choices = "".join(
        f'<li><a href="{html.escape(_signed_in_url(request, merchant))}">'
        f"Continue as {html.escape(merchant.name)}"
        f"<span>{html.escape(merchant.email)}</span></a></li>"
        for merchant in merchants
    )
    return HTMLResponse(
        _SIGN_IN_PAGE.format(platform=html.escape(platform), choices=choices), status_code=200
    )


def _signed_in_url(request: Request, merchant: Merchant) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != SIM_LOGIN_PARAM]
    params.append((SIM_LOGIN_PARAM, merchant.slug))
    return f"{request.url.path}?{urlencode(params)}"


# The simulated sign-in pages' look (Clerk's and the ad platforms'), as `str.format` text.
SIGN_IN_STYLE = """<style>
body {{ font-family: system-ui, sans-serif; background: #f1f5f9; color: #0f172a; margin: 0; }}
main {{ max-width: 26rem; margin: 10vh auto; background: #fff; padding: 2rem;
  border-radius: .75rem; box-shadow: 0 1px 3px #0002; }}
h1 {{ font-size: 1.25rem; margin: 0 0 .25rem; }} p {{ color: #475569; margin: 0 0 1.5rem; }}
ul {{ list-style: none; padding: 0; margin: 0; display: grid; gap: .5rem; }}
a {{ display: flex; flex-direction: column; padding: .75rem 1rem; border: 1px solid #cbd5e1;
  border-radius: .5rem; color: #0f172a; text-decoration: none; font-weight: 600; }}
a:hover, a:focus-visible {{ border-color: #4338ca; outline: 2px solid #4338ca; }}
a span {{ font-weight: 400; color: #475569; font-size: .875rem; }}
</style></head>"""

_SIGN_IN_PAGE = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to {platform} (simulated)</title>
"""
    + SIGN_IN_STYLE
    + """
<body><main><h1>Sign in to {platform}</h1>
<p>Simulated consent: metricx asks to read your ads and their results. Choose who you are to
allow it.</p>
<ul>{choices}</ul></main></body></html>
"""
)
