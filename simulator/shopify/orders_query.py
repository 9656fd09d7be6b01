"""The arguments of the Admin API's `orders` connection: Shopify's search syntax in `query`, and
`sortKey`/`reverse`.

The search syntax (Shopify API search syntax): terms `field:value`, with a comparator
`field:<value`, `:<=`, `:>`, `:>=`; terms joined by `AND`, `OR` or nothing (an implied AND),
negated by `NOT` or a leading `-`, grouped by parentheses; values bare or quoted. The time
fields `created_at`, `processed_at` and `updated_at` take a timestamp (an offset-less one is
UTC), `now`, or a date, month or year, which stands for that whole period in the shop's time
zone (so `created_at:<=2026-08` includes all of August). `id` takes an order's number or global
id. Other fields and free text are refused, not ignored: an order the real filter would drop
must not be served.

`sortKey` defaults to `ID`, Shopify's default for orders; `CREATED_AT`, `PROCESSED_AT` and
`UPDATED_AT` sort by that time, then id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from simulator.shopify.admin_graphql import GraphQLError
from simulator.shopify.records import ShopOrder, order_number
from simulator.shopify.world import ShopWorld

DEFAULT_SORT_KEY = "ID"
# Without read_all_orders an app sees the last 60 days of orders; a search without a lower
# time bound covers those, as the simulated shops have no first day to start from.
DEFAULT_ORDER_ACCESS = timedelta(days=60)
_INSTANT = timedelta(microseconds=1)
_TIME_FIELDS: dict[str, Callable[[ShopOrder], datetime]] = {
    "created_at": lambda order: order.created_at,
    "processed_at": lambda order: order.processed_at,
    "updated_at": lambda order: order.updated_at,
}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) | (?P<minus>-)(?=[A-Za-z_(])
        | (?P<field>[A-Za-z_][\w.]*) : (?P<op><=|>=|<|>)?
          (?: '(?P<single>[^']*)' | "(?P<double>[^"]*)" | (?P<bare>[^\s()]+) )
        | (?P<word>[^\s()]+)
    )""",
    re.VERBOSE,
)
_PARTIAL_DATE = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?")
_GID = re.compile(r"gid://shopify/Order/(\d+)")

SortValue = tuple[datetime, int] | tuple[int]
_Ordered = TypeVar("_Ordered", datetime, int)


@dataclass(frozen=True)
class Span:
    """The values [low, high) a term allows; None leaves a side open."""

    low: datetime | None
    high: datetime | None

    def __and__(self, other: Span) -> Span:
        return Span(_latest(self.low, other.low), _earliest(self.high, other.high))

    def __or__(self, other: Span) -> Span:
        low = None if self.low is None or other.low is None else min(self.low, other.low)
        high = None if self.high is None or other.high is None else max(self.high, other.high)
        return Span(low, high)


_ANY = Span(None, None)


@dataclass(frozen=True)
class TimeTerm:
    field: str  # created_at, processed_at or updated_at
    low: datetime  # the value's first instant
    high: datetime  # just after its last
    comparator: str  # "", "<", "<=", ">" or ">="

    def matches(self, order: ShopOrder) -> bool:
        return _compared(_TIME_FIELDS[self.field](order), self.low, self.high, self.comparator)

    def span(self, field: str) -> Span:
        if field != self.field:
            return _ANY
        return {
            "": Span(self.low, self.high),
            ">": Span(self.high, None),
            ">=": Span(self.low, None),
            "<": Span(None, self.low),
            "<=": Span(None, self.high),
        }[self.comparator]


@dataclass(frozen=True)
class IdTerm:
    number: int
    comparator: str

    def matches(self, order: ShopOrder) -> bool:
        return _compared(order_number(order), self.number, self.number + 1, self.comparator)

    def span(self, field: str) -> Span:
        return _ANY


@dataclass(frozen=True)
class Not:
    operand: Search

    def matches(self, order: ShopOrder) -> bool:
        return not self.operand.matches(order)

    def span(self, field: str) -> Span:
        return _ANY


@dataclass(frozen=True)
class All:
    operands: tuple[Search, ...]

    def matches(self, order: ShopOrder) -> bool:
        return all(operand.matches(order) for operand in self.operands)

    def span(self, field: str) -> Span:
        span = _ANY
        for operand in self.operands:
            span = span & operand.span(field)
        return span


@dataclass(frozen=True)
class Either:
    operands: tuple[Search, ...]

    def matches(self, order: ShopOrder) -> bool:
        return any(operand.matches(order) for operand in self.operands)

    def span(self, field: str) -> Span:
        span = self.operands[0].span(field)
        for operand in self.operands[1:]:
            span = span | operand.span(field)
        return span


Search = TimeTerm | IdTerm | Not | All | Either
_EVERYTHING = All(())


def parse_search(text: str | None, tz: ZoneInfo, now: datetime) -> Search:
    """The search `text` of a shop in time zone `tz`; `now` is what `now` means."""
    if text is None or not text.strip():
        return _EVERYTHING
    return _Parser(text, tz, now).search()


def matching_orders(shops: ShopWorld, shop: str, search: Search, now: datetime) -> list[ShopOrder]:
    """The shop's orders as they stand at `now` that `search` matches.

    The world is asked only for the orders the search's time bounds can reach: those created
    in the created_at (or processed_at, the same moment in this world) span, else those
    updated in the updated_at span, else the last 60 days' (`DEFAULT_ORDER_ACCESS`).
    """
    end = now + timedelta(seconds=1)
    created = search.span("created_at") & search.span("processed_at")
    updated = search.span("updated_at")
    if created.low is not None:
        candidates = shops.orders(shop, created.low, _earliest(created.high, end) or end)
    elif updated.low is not None:
        candidates = shops.orders_updated(shop, updated.low, _earliest(updated.high, end) or end)
    else:
        candidates = shops.orders(shop, now - DEFAULT_ORDER_ACCESS, end)
    return [order for order in candidates if search.matches(order)]


def sort_value(sort_key: str | None) -> Callable[[ShopOrder], SortValue]:
    """What `sortKey` orders by (id breaking ties); Shopify's default when none is given."""
    key = sort_key or DEFAULT_SORT_KEY
    if key == "ID":
        return lambda order: (order_number(order),)
    field = key.lower()
    if field not in _TIME_FIELDS:
        raise GraphQLError(
            f"The simulator sorts orders by ID, CREATED_AT, PROCESSED_AT or UPDATED_AT: {key}"
        )
    moment = _TIME_FIELDS[field]
    return lambda order: (moment(order), order_number(order))


class _Parser:
    """Recursive descent: OR binds loosest, then AND (spelt or implied), then NOT."""

    def __init__(self, text: str, tz: ZoneInfo, now: datetime) -> None:
        self._text = text
        self._tz = tz
        self._now = now
        self._tokens = self._tokenize(text)
        self._at = 0

    def search(self) -> Search:
        search = self._either()
        if self._at < len(self._tokens):
            raise self._error(f"unexpected {self._tokens[self._at].group().strip()!r}")
        return search

    def _either(self) -> Search:
        operands = [self._all()]
        while self._word() == "OR":
            self._at += 1
            operands.append(self._all())
        return operands[0] if len(operands) == 1 else Either(tuple(operands))

    def _all(self) -> Search:
        operands = [self._unary()]
        while self._at < len(self._tokens) and self._word() != "OR":
            if self._tokens[self._at]["close"] is not None:
                break
            if self._word() == "AND":
                self._at += 1
            operands.append(self._unary())
        return operands[0] if len(operands) == 1 else All(tuple(operands))

    def _unary(self) -> Search:
        if self._at >= len(self._tokens):
            raise self._error("the query ends where a term was expected")
        token = self._tokens[self._at]
        self._at += 1
        if token["open"] is not None:
            inner = self._either()
            if self._at >= len(self._tokens) or self._tokens[self._at]["close"] is None:
                raise self._error("a parenthesis is not closed")
            self._at += 1
            return inner
        if token["minus"] is not None or token["word"] == "NOT":
            return Not(self._unary())
        if token["field"] is not None:
            return self._term(token)
        raise self._error(f"the simulator searches orders by field only, not by {token.group()!r}")

    def _term(self, token: re.Match[str]) -> TimeTerm | IdTerm:
        field = token["field"]
        raw = next(v for v in (token["single"], token["double"], token["bare"]) if v is not None)
        comparator = token["op"] or ""
        if field == "id":
            gid = _GID.fullmatch(raw)
            if gid is None and not raw.isdigit():
                raise self._error(f"id takes an order number or global id: {raw!r}")
            return IdTerm(int(gid.group(1) if gid else raw), comparator)
        if field not in _TIME_FIELDS:
            raise self._error(
                "the simulator filters orders on created_at, processed_at, updated_at and id, "
                f"not {field}"
            )
        low, high = self._moment(raw)
        return TimeTerm(field, low, high, comparator)

    def _moment(self, raw: str) -> tuple[datetime, datetime]:
        """[first instant, just after the last) that a time value stands for."""
        if raw.lower() == "now":
            return self._now, self._now + _INSTANT
        partial = _PARTIAL_DATE.fullmatch(raw)
        if partial is not None:
            year, month, day = partial["year"], partial["month"], partial["day"]
            try:
                start = datetime(int(year), int(month or 1), int(day or 1))
            except ValueError as exc:
                raise self._error(f"invalid date {raw!r}") from exc
            if day is not None:
                end = start + timedelta(days=1)
            elif month is not None:
                end = (start + timedelta(days=32)).replace(day=1)
            else:
                end = start.replace(year=start.year + 1)
            return self._shop_time(start), self._shop_time(end)
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise self._error(f"invalid date {raw!r}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
        return moment, moment + _INSTANT

    def _shop_time(self, local: datetime) -> datetime:
        return datetime.combine(local.date(), time(0), tzinfo=self._tz).astimezone(UTC)

    def _word(self) -> str | None:
        if self._at >= len(self._tokens):
            return None
        return self._tokens[self._at]["word"]

    def _error(self, problem: str) -> GraphQLError:
        return GraphQLError(f"Invalid search query {self._text!r}: {problem}")

    def _tokenize(self, text: str) -> list[re.Match[str]]:
        tokens = []
        at = 0
        while text[at:].strip():
            token = _TOKEN.match(text, at)
            if token is None:
                raise self._error(f"cannot read {text[at:]!r}")
            tokens.append(token)
            at = token.end()
        return tokens


def _compared(value: _Ordered, low: _Ordered, high: _Ordered, comparator: str) -> bool:
    """Whether `value` passes a comparator against a term's value spanning [low, high)."""
    if comparator == "":
        return low <= value < high
    if comparator == ">":
        return value >= high
    if comparator == ">=":
        return value >= low
    if comparator == "<":
        return value < low
    return value < high


def _latest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return max(first, second)


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return min(first, second)
