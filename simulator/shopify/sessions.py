"""Visits to a shop: the strata sessions come in, and what a session looks like (its landing
page, UTM parameters, click ids and referrer) for the channel it came through."""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from simulator.merchants import Merchant
from simulator.shopify.records import PRODUCTS, Channel, Session, Utm
from simulator.shopify.timeline import shop_draws

_SEARCH_REFERRERS = ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/")
_META_REFERRERS = ("https://m.facebook.com/", "https://l.instagram.com/")
_REFERRAL_SITES = (
    "https://www.reddit.com/r/BuyItForLife/",
    "https://www.pinterest.com/",
    "https://gearjunkie.example.org/best-of-2026/",
)
_EMAIL_CAMPAIGNS = ("weekly-newsletter", "abandoned-cart", "winback-60d", "new-arrivals")
# How customers come back to place an order later than their first visit.
_RETURN_CHANNELS_BP = (
    (Channel.DIRECT, 4_000),
    (Channel.EMAIL, 3_500),
    (Channel.ORGANIC_SEARCH, 2_500),
)


@dataclass(frozen=True, slots=True)
class Stratum:
    """Sessions of one source in one hour; paid strata also know how many of them convert."""

    key: str
    channel: Channel
    sessions: int
    driven_orders: int | None = None  # None: the shop's own traffic, converting at its own rate
    order_cents: int = 0  # the subtotal of each driven order
    campaign_id: str | None = None
    content_id: str | None = None
    term: str | None = None


def make_session(
    merchant: Merchant,
    *,
    number: str,
    client_id: str,
    channel: Channel,
    started_at: datetime,
    draws: tuple[int, ...],
    stratum: Stratum,
) -> Session:
    product_page = f"/products/{PRODUCTS[draws[1] % len(PRODUCTS)][0]}"
    utm = Utm()
    referrer: str | None = None
    fbclid = gclid = None
    if channel is Channel.META:
        # The URL parameters merchants set on Meta ads: {{campaign.id}}, {{ad.id}}, {{adset.id}}.
        utm = Utm("facebook", "paid", stratum.campaign_id, stratum.content_id, stratum.term)
        fbclid = f"IwAR{_token(draws[2:6])}"
        referrer = _META_REFERRERS[draws[6] % len(_META_REFERRERS)]
        path = product_page
    elif channel is Channel.GOOGLE:
        utm = Utm("google", "cpc", stratum.campaign_id, stratum.content_id, stratum.term)
        gclid = f"Cj0KCQ{_token(draws[2:6])}"
        referrer = "https://www.google.com/"
        path = product_page if draws[6] % 2 else "/collections/all"
    elif channel is Channel.ORGANIC_SEARCH:
        referrer = _SEARCH_REFERRERS[draws[2] % len(_SEARCH_REFERRERS)]
        path = ("/", product_page, "/collections/all")[draws[6] % 3]
    elif channel is Channel.REFERRAL:
        referrer = _REFERRAL_SITES[draws[2] % len(_REFERRAL_SITES)]
        path = product_page
    elif channel is Channel.EMAIL:
        campaign = _EMAIL_CAMPAIGNS[draws[2] % len(_EMAIL_CAMPAIGNS)]
        utm = Utm("klaviyo", "email", campaign)
        path = product_page if draws[6] % 2 else "/"
    else:
        path = "/" if draws[6] % 3 else product_page
    params = {
        f"utm_{name}": value
        for name, value in (
            ("source", utm.source),
            ("medium", utm.medium),
            ("campaign", utm.campaign),
            ("content", utm.content),
            ("term", utm.term),
        )
        if value is not None
    }
    if fbclid:
        params["fbclid"] = fbclid
    if gclid:
        params["gclid"] = gclid
    query = f"?{urlencode(params)}" if params else ""
    return Session(
        session_id=number,
        visit_id=f"gid://shopify/CustomerVisit/{number}",
        client_id=client_id,
        channel=channel,
        started_at=started_at,
        landing_page=f"https://{merchant.shop_domain}{path}{query}",
        referrer_url=referrer,
        utm=utm,
        fbclid=fbclid,
        gclid=gclid,
    )


def return_session(
    seed: int, merchant: Merchant, order_number: int, started_at: datetime, client_id: str
) -> Session:
    """The visit a customer comes back in to place order `order_number`."""
    draws = shop_draws(seed, merchant.slug, str(order_number), "return-visit")
    channel = _pick_weighted(_RETURN_CHANNELS_BP, draws[7])
    return make_session(
        merchant,
        number=f"9{order_number}",
        client_id=client_id,
        channel=channel,
        started_at=started_at,
        draws=draws,
        stratum=Stratum(key=channel.value, channel=channel, sessions=1),
    )


def _pick_weighted(options: tuple[tuple[Channel, int], ...], draw: int) -> Channel:
    point = draw % sum(weight for _, weight in options)
    for option, weight in options:
        if point < weight:
            return option
        point -= weight
    raise AssertionError("unreachable: the point lies below the total weight")


def _token(draws: tuple[int, ...]) -> str:
    return base64.urlsafe_b64encode(struct.pack(f">{len(draws)}I", *draws)).decode().rstrip("=")


def visitor_id(seed: int, key: str) -> str:
    digest = hashlib.blake2b(f"{seed}|client|{key}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest))
