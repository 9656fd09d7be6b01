"""The Google Ads Query Language as the simulator reads it.

`SELECT fields FROM customer | campaign | ad_group | ad_group_ad [WHERE conditions on
segments.date joined by AND]`, and `SELECT fields FROM customer_client [WHERE
customer_client.level <= | < | = n]` for an account hierarchy. A query of attributes alone (no
segment, no metric) lists the resource's objects, every status included (REMOVED too, as
Google does unless filtered), as of now. Any selection of the resource's attributes, segments
(date, hour, day of week, week, month, quarter, year) and metrics is served, at the grain it
asks for: rows are the resource's objects, split by the segments selected and by nothing else,
so a query without `segments.hour` gets one row per day and one without any segment one row
for the whole range, as Google answers. The date range is `BETWEEN`, comparisons (`>=`, `>`,
`<=`, `<`, `=`) or `DURING` a date range literal, counted in the account's time zone.

Anything else (other resources, filters on other fields, `ORDER BY`, `LIMIT`, `PARAMETERS`) is
refused with the query error Google would give, or QUERY_ERROR when it is valid GAQL the
simulator does not serve, rather than answered with the wrong data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from simulator.google_ads.errors import query_error

CUSTOMER_FIELDS = (
    "customer.id",
    "customer.descriptive_name",
    "customer.currency_code",
    "customer.time_zone",
)
# The accounts under a customer (itself at level 0), which a manager's hierarchy is read from.
CUSTOMER_CLIENT_FIELDS = (
    "customer_client.id",
    "customer_client.client_customer",
    "customer_client.level",
    "customer_client.manager",
    "customer_client.descriptive_name",
    "customer_client.currency_code",
    "customer_client.time_zone",
    "customer_client.status",
)
CAMPAIGN_FIELDS = ("campaign.id", "campaign.name", "campaign.status")
AD_GROUP_FIELDS = ("ad_group.id", "ad_group.name", "ad_group.status")
AD_GROUP_AD_FIELDS = ("ad_group_ad.ad.id", "ad_group_ad.ad.name", "ad_group_ad.status")
# The status an object has now: served in attribute queries only.
STATUS_FIELDS = frozenset({"campaign.status", "ad_group.status", "ad_group_ad.status"})
SEGMENTS = (
    "segments.date",
    "segments.hour",
    "segments.day_of_week",
    "segments.week",
    "segments.month",
    "segments.quarter",
    "segments.year",
)
METRICS = (
    "metrics.cost_micros",
    "metrics.impressions",
    "metrics.clicks",
    "metrics.conversions",
    "metrics.conversions_value",
)
# Google's core date segments: selecting one requires a finite date range in WHERE.
_CORE_DATE_SEGMENTS = frozenset(
    {"segments.date", "segments.week", "segments.month", "segments.quarter", "segments.year"}
)
_REPORTED = frozenset(SEGMENTS) | frozenset(METRICS)
SELECTABLE = {
    "customer": frozenset(CUSTOMER_FIELDS) | _REPORTED,
    "customer_client": frozenset(CUSTOMER_CLIENT_FIELDS),
    "campaign": frozenset(CUSTOMER_FIELDS + CAMPAIGN_FIELDS) | _REPORTED,
    "ad_group": frozenset(CUSTOMER_FIELDS + CAMPAIGN_FIELDS + AD_GROUP_FIELDS) | _REPORTED,
    "ad_group_ad": frozenset(
        CUSTOMER_FIELDS + CAMPAIGN_FIELDS + AD_GROUP_FIELDS + AD_GROUP_AD_FIELDS
    )
    | _REPORTED,
}
_CONDITION = re.compile(
    r"""segments\.date\s*(?:
        \s BETWEEN \s+ '(?P<low>[^']*)' \s+ AND \s+ '(?P<high>[^']*)'
        | (?P<op> >= | <= | = | > | < ) \s* '(?P<value>[^']*)'
        | \s DURING \s+ (?P<literal>\w+)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_LEVEL_FILTER = re.compile(
    r"customer_client\.level\s*(?P<op><=|<|=)\s*(?P<level>\d+)", re.IGNORECASE
)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)
_DAY = timedelta(days=1)

DateRange = tuple[date, date]  # first and last account-local day, both included


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    resource: str
    # Set exactly when the query reports metrics or segments; without, it reads the resource.
    date_range: DateRange | None = None
    # `customer_client.level` compared with a number, as the hierarchy is read level by level.
    level_filter: tuple[str, int] | None = None

    def admits_level(self, level: int) -> bool:
        if self.level_filter is None:
            return True
        op, bound = self.level_filter
        return {"<=": level <= bound, "<": level < bound, "=": level == bound}[op]

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(field for field in self.fields if field in SEGMENTS)


def parse_gaql(text: str, today: date) -> Query:
    """The query `text`; `today` is the account-local date `DURING` literals count from."""
    select = re.fullmatch(r"\s*SELECT\s+(.*)", text, re.IGNORECASE | re.DOTALL)
    if select is None:
        raise query_error("EXPECTED_SELECT", "Expected SELECT at the start of the query.")
    parts = re.split(r"\s+FROM\s+", select.group(1), flags=re.IGNORECASE)
    if len(parts) != 2:
        raise query_error("EXPECTED_FROM", "Expected exactly one FROM clause.")
    select_list, rest = parts
    tail = re.fullmatch(r"(\w+)(?:\s+WHERE\s+(.*?))?\s*", rest, re.IGNORECASE | re.DOTALL)
    if tail is None:
        raise query_error(
            "QUERY_ERROR",
            "The simulator serves only SELECT ... FROM ... [WHERE segments.date ...].",
        )
    resource, where = tail.group(1), tail.group(2)
    selectable = SELECTABLE.get(resource)
    if selectable is None:
        raise query_error(
            "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", f"Invalid resource type in FROM clause: {resource}"
        )
    fields = tuple(field.strip() for field in select_list.split(","))
    for field in fields:
        if field not in selectable:
            raise query_error("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{field}'.")
    if resource == "customer_client":
        if where is None:
            return Query(fields, resource)
        level = _LEVEL_FILTER.fullmatch(where.strip())
        if level is None:
            raise query_error(
                "QUERY_ERROR", "The simulator filters customer_client on its level only."
            )
        return Query(fields, resource, level_filter=(level["op"], int(level["level"])))
    if not _REPORTED.intersection(fields):
        if where is not None:
            raise query_error(
                "QUERY_ERROR", f"The simulator serves {resource} attributes without WHERE."
            )
        return Query(fields, resource)
    if resource == "ad_group_ad":
        raise query_error("QUERY_ERROR", "The simulator serves ad_group_ad attributes only.")
    if STATUS_FIELDS.intersection(fields):
        raise query_error(
            "QUERY_ERROR", "The simulator serves statuses in queries without metrics or segments."
        )
    if where is None:
        if _CORE_DATE_SEGMENTS.intersection(fields):
            raise query_error(
                "EXPECTED_FILTERS_ON_DATE_RANGE", "Missing filters on date related fields."
            )
        # Google would report the account's whole life; the simulated accounts have no first day.
        raise query_error(
            "QUERY_ERROR", "The simulator reports metrics over a segments.date range only."
        )
    return Query(fields, resource, _date_range(where, today))


def _date_range(where: str, today: date) -> DateRange:
    """The days the conditions on `segments.date` leave, all of them joined by AND."""
    since: date | None = None
    until: date | None = None
    rest = where.strip()
    while True:
        condition = _CONDITION.match(rest)
        if condition is None:
            raise query_error(
                "QUERY_ERROR",
                "The simulator filters only on segments.date (BETWEEN, comparisons or DURING), "
                f"conditions joined by AND: {rest!r}",
            )
        low, high = _bounds(condition, today)
        if low is not None:
            since = low if since is None else max(since, low)
        if high is not None:
            until = high if until is None else min(until, high)
        rest = rest[condition.end() :]
        if not rest.strip():
            break
        joint = _AND.match(rest)
        if joint is None:
            raise query_error("QUERY_ERROR", f"The simulator joins conditions by AND: {rest!r}")
        rest = rest[joint.end() :]
    if since is None or until is None:
        raise query_error(
            "EXPECTED_FILTERS_ON_DATE_RANGE", "Filters on date must bound both ends of the range."
        )
    if since > until:
        raise query_error(
            "DATE_RANGE_TOO_NARROW", "Filters on date have a start date after end date."
        )
    return since, until


def _bounds(condition: re.Match[str], today: date) -> tuple[date | None, date | None]:
    """(first day, last day) one condition allows; None on a side it leaves open."""
    if condition["low"] is not None:
        return _date_value(condition["low"]), _date_value(condition["high"])
    if condition["literal"] is not None:
        return _during(condition["literal"].upper(), today)
    value = _date_value(condition["value"])
    return {
        "=": (value, value),
        ">=": (value, None),
        ">": (value + _DAY, None),
        "<=": (None, value),
        "<": (None, value - _DAY),
    }[condition["op"]]


def _during(literal: str, today: date) -> DateRange:
    """A date range literal's days, as Google counts them: `LAST_N_DAYS` ends yesterday."""
    monday = today - timedelta(days=today.weekday())
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    month_start = today.replace(day=1)
    literals = {
        "TODAY": (today, today),
        "YESTERDAY": (today - _DAY, today - _DAY),
        "LAST_7_DAYS": (today - 7 * _DAY, today - _DAY),
        "LAST_14_DAYS": (today - 14 * _DAY, today - _DAY),
        "LAST_30_DAYS": (today - 30 * _DAY, today - _DAY),
        "THIS_WEEK_MON_TODAY": (monday, today),
        "THIS_WEEK_SUN_TODAY": (sunday, today),
        "LAST_WEEK_MON_SUN": (monday - 7 * _DAY, monday - _DAY),
        "LAST_WEEK_SUN_SAT": (sunday - 7 * _DAY, sunday - _DAY),
        "LAST_BUSINESS_WEEK": (monday - 7 * _DAY, monday - 3 * _DAY),
        "THIS_MONTH": (month_start, today),
        "LAST_MONTH": ((month_start - _DAY).replace(day=1), month_start - _DAY),
    }
    if literal not in literals:
        raise query_error(
            "INVALID_VALUE_WITH_DURING_OPERATOR", f"Invalid date range literal: {literal}"
        )
    return literals[literal]


def _date_value(value: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise query_error("BAD_VALUE", f"Invalid date '{value}'. Expected 'YYYY-MM-DD'.")
