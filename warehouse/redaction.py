"""Erasing Shopify customers' and shops' personal data from the warehouse, and keeping it erased.

What the warehouse holds about a shop's customer: the Shopify customer id on their orders and on
the pixel's checkout events (and the marts built from them), their browser's pixel client id,
and the URLs they landed on and came from (a landing page's query string can carry an email
address or a click id). Names, emails, phones and addresses are never landed: the connector does
not read them and the pixel landing keeps only the fields above.

A customer's redaction anonymises rather than deletes: their orders stay the merchant's sales
(without a customer), and each of their browsers' pixel events keep their pages' path and
campaign parameters under an anonymous visitor id (from the redaction's random token, one per
browser), so their sessions are split and joined as before and every order keeps the attribution
it had. A shop's redaction (48 hours after it uninstalled the app) deletes
everything the shop landed.

Landings read the sources again (a re-run of an old window reads Shopify's Admin API again, which
still knows the customer), so the erasure is also applied to every row as it lands:
`LandingRedactions` holds the digests of the redacted identifiers, never the identifiers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from warehouse.connection import Params, Warehouse
from warehouse.raw_tables import RAW_SCHEMA, SHOPIFY_ORDERS, SHOPIFY_PIXEL_EVENTS

# Query parameters a landing page keeps: the campaign the merchant tagged (attribution reads
# them). Click ids are kept as present-but-redacted: attribution reads only that there was one.
_CAMPAIGN_PARAMETERS = frozenset(
    ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
)
_CLICK_IDS = frozenset(("fbclid", "gclid"))
REDACTED = "redacted"

_ORDER_URL_COLUMNS = ("first_visit_landing_page", "last_visit_landing_page")
_ORDER_REFERRER_COLUMNS = ("first_visit_referrer_url", "last_visit_referrer_url")
# The models materialised as tables that hold a Shopify customer's identifiers (views follow the
# raw tables): the marts naming the customer, the one row per customer, the pixel sessions (by
# client id, with their landing pages) and the attribution credits (a session's touchpoint id
# starts with its client id). The erasure test searches every table and view, so a model added
# later with a personal column fails it until handled here.
_MARTS_NAMING_THE_CUSTOMER = ("marts.fct_orders", "marts.fct_sales")
_MART_PER_CUSTOMER = "marts.dim_customers"
_SESSIONS = "intermediate.int_sessions"
_CREDITS = "marts.fct_attribution_credits"
_SHOP_TABLES = (SHOPIFY_ORDERS, SHOPIFY_PIXEL_EVENTS)


def digest(shop_domain: str, identifier: str) -> str:
    """A shop-scoped SHA-256 of a Shopify identifier (customer, order, pixel client)."""
    return hashlib.sha256(f"{shop_domain}\n{identifier}".encode()).hexdigest()


def anonymous_client(visitor_token: str, client_id: str) -> str:
    """The anonymous visitor a redacted browser becomes: one per browser (its sessions stay its
    own), derived from the redaction's random token, so it cannot be traced back to the id."""
    suffix = hashlib.sha256(f"{visitor_token}|{client_id}".encode()).hexdigest()[:16]
    return f"{visitor_token}-{suffix}"


def shopify_gid(kind: str, identifier: int | str) -> str:
    """`gid://shopify/{kind}/{id}`, as the Admin API and the pixel name what webhooks number."""
    text = str(identifier)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def scrub_url(url: str | None) -> str | None:
    """The page without what could name its visitor: scheme, host, path and the campaign
    parameters; a click id's value replaced, its presence kept."""
    if not url:
        return url
    parts = urlsplit(url)
    kept = [
        (name, REDACTED if name in _CLICK_IDS else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name in _CAMPAIGN_PARAMETERS or name in _CLICK_IDS
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


def scrub_referrer(url: str | None) -> str | None:
    """The referring site only (attribution reads its host: a search engine, a social site)."""
    if not url:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", "")) if parts.netloc else None


@dataclass(frozen=True)
class LandingRedactions:
    """The redacted customers of one shop as its landings apply them: digest of a customer,
    order or client id → the redaction's visitor token."""

    shop_domain: str = ""
    tokens: Mapping[str, str] = field(default_factory=dict)

    def token_for(self, *identifiers: str | None) -> str | None:
        for identifier in identifiers:
            if identifier:
                token = self.tokens.get(digest(self.shop_domain, identifier))
                if token is not None:
                    return token
        return None

    def order_values(self, values: dict[str, object]) -> dict[str, object]:
        """An order's raw values, anonymised when its customer or the order was redacted."""
        if self.token_for(_text(values["customer_id"]), _text(values["order_id"])) is None:
            return values
        return values | _anonymous_order(values)

    def pixel_values(self, values: dict[str, object]) -> dict[str, object]:
        """A pixel event's raw values, anonymised when its browser, customer or order was."""
        client = _text(values["client_id"]) or ""
        anonymous = self.token_for(client)
        if anonymous is None:
            token = self.token_for(_text(values["customer_id"]), _text(values["order_id"]))
            if token is None:
                return values
            anonymous = anonymous_client(token, client)
        return values | _anonymous_pixel_event(values, anonymous)


@dataclass(frozen=True)
class ErasedCustomer:
    """What an erasure found: the orders and pixel client ids that were the customer's."""

    order_ids: tuple[str, ...]
    client_ids: tuple[str, ...]


def erase_customer(
    warehouse: Warehouse,
    connection_id: str,
    *,
    customer_id: str | None,
    order_ids: Sequence[str],
    visitor_token: str,
) -> ErasedCustomer:
    """Anonymise a customer in the raw tables and the marts of one connection, in one
    transaction: their orders (theirs by customer id, and `order_ids`), the pixel events of their
    orders and of every browser those were sent from."""
    customers = [customer_id] if customer_id else []
    with warehouse.transaction():
        orders = sorted(
            set(order_ids)
            | {
                row["order_id"]
                for row in _select(
                    warehouse,
                    f"SELECT DISTINCT order_id FROM {SHOPIFY_ORDERS.qualified_name}",
                    connection_id,
                    {"customer_id": customers},
                )
            }
        )
        clients = sorted(
            {
                row["client_id"]
                for row in _select(
                    warehouse,
                    f"SELECT DISTINCT client_id FROM {SHOPIFY_PIXEL_EVENTS.qualified_name}",
                    connection_id,
                    {"customer_id": customers, "order_id": orders},
                )
            }
        )
        _anonymise_rows(
            warehouse,
            SHOPIFY_ORDERS.qualified_name,
            "order_id",
            connection_id,
            {"customer_id": customers, "order_id": orders},
            _anonymous_order,
        )
        _anonymise_rows(
            warehouse,
            SHOPIFY_PIXEL_EVENTS.qualified_name,
            "event_id",
            connection_id,
            {"client_id": clients, "customer_id": customers, "order_id": orders},
            lambda row: _anonymous_pixel_event(
                row, anonymous_client(visitor_token, row["client_id"])
            ),
        )
        _delete_quarantined(warehouse, connection_id, [*customers, *orders, *clients])
        models = _tables(warehouse, "marts") | _tables(warehouse, "intermediate")
        if customers:
            condition, params = _in("customer_id", customers)
            for table in _MARTS_NAMING_THE_CUSTOMER:
                if table in models:
                    warehouse.execute(
                        f"UPDATE {table} SET customer_id = NULL WHERE {condition}", params
                    )
            if _MART_PER_CUSTOMER in models:
                warehouse.execute(f"DELETE FROM {_MART_PER_CUSTOMER} WHERE {condition}", params)
        for client in clients:
            anonymous = anonymous_client(visitor_token, client)
            if _SESSIONS in models:
                _anonymise_sessions(warehouse, client, anonymous)
            if _CREDITS in models:
                warehouse.execute(
                    f"UPDATE {_CREDITS} SET touchpoint_id = "
                    "replace(touchpoint_id, :client, :anonymous) "
                    "WHERE touchpoint_id LIKE :sessions",
                    {"client": client, "anonymous": anonymous, "sessions": f"{client}-%"},
                )
    return ErasedCustomer(order_ids=tuple(orders), client_ids=tuple(clients))


def _anonymise_sessions(warehouse: Warehouse, client: str, anonymous: str) -> None:
    """The browser's sessions under its anonymous id, their landing pages and referrers cut as
    the raw events' are (the session id is the client id and the session's number)."""
    for session in warehouse.fetch_all(
        f"SELECT * FROM {_SESSIONS} WHERE client_id = :client", {"client": client}
    ):
        warehouse.execute(
            f"UPDATE {_SESSIONS} SET client_id = :anonymous, "
            "session_id = replace(session_id, :client, :anonymous), "
            "landing_page_url = :page, referrer_url = :referrer, fbclid = :fbclid, "
            "gclid = :gclid WHERE workspace_id = :workspace_id AND session_id = :session_id",
            {
                "anonymous": anonymous,
                "client": client,
                "page": scrub_url(session["landing_page_url"]),
                "referrer": scrub_referrer(session["referrer_url"]),
                "fbclid": REDACTED if session["fbclid"] else session["fbclid"],
                "gclid": REDACTED if session["gclid"] else session["gclid"],
                "workspace_id": session["workspace_id"],
                "session_id": session["session_id"],
            },
        )


def erase_shop(warehouse: Warehouse, connection_id: str, workspace_id: str) -> None:
    """Delete everything a shop's connection landed, raw and modelled, in one transaction
    (aggregates without a person in them, the daily shop KPIs, stay)."""
    params: Params = {"connection_id": connection_id, "workspace_id": workspace_id}
    orders = (
        f"SELECT order_id FROM {SHOPIFY_ORDERS.qualified_name} WHERE connection_id = :connection_id"
    )
    customers = (
        f"SELECT customer_id FROM {SHOPIFY_ORDERS.qualified_name} "
        "WHERE connection_id = :connection_id AND customer_id IS NOT NULL"
    )
    with warehouse.transaction():
        models = _tables(warehouse, "marts") | _tables(warehouse, "intermediate")
        # The models first: they are found through the raw rows about to go.
        for model, condition in (
            ("marts.fct_orders", f"order_id IN ({orders})"),
            ("marts.fct_sales", "connection_id = :connection_id"),
            ("marts.fct_refunds", "connection_id = :connection_id"),
            (_CREDITS, f"order_id IN ({orders})"),
            (_MART_PER_CUSTOMER, f"workspace_id = :workspace_id AND customer_id IN ({customers})"),
            (_SESSIONS, "connection_id = :connection_id"),
        ):
            if model in models:
                statement = f"DELETE FROM {model} WHERE {condition}"
                warehouse.execute(statement, _used_in(statement, params))
        for raw in _SHOP_TABLES:
            warehouse.execute(
                f"DELETE FROM {raw.qualified_name} WHERE connection_id = :connection_id",
                {"connection_id": connection_id},
            )
        warehouse.execute(
            f"DELETE FROM {RAW_SCHEMA}.quarantine WHERE connection_id = :connection_id "
            f"AND source_table IN ({', '.join(repr(table.name) for table in _SHOP_TABLES)})",
            {"connection_id": connection_id},
        )


def _anonymous_order(values: Mapping[str, Any]) -> dict[str, object]:
    return {
        "customer_id": None,
        **{column: scrub_url(values[column]) for column in _ORDER_URL_COLUMNS},
        **{column: scrub_referrer(values[column]) for column in _ORDER_REFERRER_COLUMNS},
    }


def _anonymous_pixel_event(values: Mapping[str, Any], token: str) -> dict[str, object]:
    return {
        "client_id": token,
        "customer_id": None,
        "page_url": scrub_url(values["page_url"]),
        "referrer": scrub_referrer(values["referrer"]),
        **{name: REDACTED if values[name] else values[name] for name in _CLICK_IDS},
    }


def _used_in(statement: str, params: Params) -> dict[str, Any]:
    """The parameters a statement names: DuckDB refuses any other."""
    return {name: value for name, value in (params or {}).items() if f":{name}" in statement}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _in(column: str, values: Sequence[str], prefix: str = "") -> tuple[str, dict[str, str]]:
    names = [f"{prefix}{column}_{n}" for n in range(len(values))]
    condition = f"{column} IN ({', '.join(f':{name}' for name in names)})"
    return condition, dict(zip(names, values, strict=True))


def _matching(
    connection_id: str, columns: Mapping[str, Sequence[str]]
) -> tuple[str, dict[str, str]] | None:
    """`connection_id = … AND (a IN (…) OR b IN (…))`, or None when no column has values."""
    conditions: list[str] = []
    params: dict[str, str] = {"connection_id": connection_id}
    for column, values in columns.items():
        if values:
            condition, column_params = _in(column, values, "m_")
            conditions.append(condition)
            params |= column_params
    if not conditions:
        return None
    return f"connection_id = :connection_id AND ({' OR '.join(conditions)})", params


def _select(
    warehouse: Warehouse, select: str, connection_id: str, columns: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    matching = _matching(connection_id, columns)
    if matching is None:
        return []
    condition, params = matching
    return warehouse.fetch_all(f"{select} WHERE {condition}", params)


def _anonymise_rows(
    warehouse: Warehouse,
    table: str,
    key: str,
    connection_id: str,
    columns: Mapping[str, Sequence[str]],
    anonymous: Any,
) -> None:
    """Each matching row rewritten with `anonymous(row)`; rows are few (one person's)."""
    for row in _select(warehouse, f"SELECT * FROM {table}", connection_id, columns):
        replacement = anonymous(row)
        assignments = ", ".join(f"{column} = :new_{column}" for column in replacement)
        warehouse.execute(
            f"UPDATE {table} SET {assignments} WHERE connection_id = :connection_id "
            f"AND window_start = :window_start AND {key} = :key",
            {
                **{f"new_{column}": value for column, value in replacement.items()},
                "connection_id": connection_id,
                "window_start": row["window_start"],
                "key": row[key],
            },
        )


def _delete_quarantined(
    warehouse: Warehouse, connection_id: str, identifiers: Iterable[str]
) -> None:
    """Rows the landings could not parse keep their payload whole: drop the ones naming them."""
    names = {f"q_{n}": f"%{identifier}%" for n, identifier in enumerate(identifiers)}
    if not names:
        return
    tables = ", ".join(repr(table.name) for table in _SHOP_TABLES)
    warehouse.execute(
        f"DELETE FROM {RAW_SCHEMA}.quarantine WHERE connection_id = :connection_id "
        f"AND source_table IN ({tables}) "
        f"AND ({' OR '.join(f'payload LIKE :{name}' for name in names)})",
        {"connection_id": connection_id, **names},
    )


def _tables(warehouse: Warehouse, schema: str) -> set[str]:
    """`schema.table` of the schema's tables (views need no erasing: they read the raw tables)."""
    return {
        f"{schema}.{row['table_name']}"
        for row in warehouse.fetch_all(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = :schema AND table_type = 'BASE TABLE'",
            {"schema": schema},
        )
    }
