"""What an insights call asks for, read from its Graph parameters as Meta documents them
(Marketing API, Ad Account Insights): which `fields`, at which `level`, over which days
(`time_range`, else `date_preset`, default `last_30d`), cut into which periods
(`time_increment`: a number of days, `monthly` or `all_days`, the default), with or without
the hourly breakdown, for which ads (`filtering`).

What the world does not model is refused with code 100 and says so, rather than answered with
data of the wrong shape: breakdowns other than the hourly one, sorting, several time ranges,
summary rows, exports, metric filters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from simulator.meta_ads.graph_errors import GraphError, invalid
from simulator.meta_ads.graph_params import (
    GraphParams,
    bool_param,
    list_param,
    object_param,
    objects_param,
)
from simulator.meta_ads.world import Ad

HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone"
INSIGHTS_FIELDS = frozenset(
    {
        "account_id",
        "campaign_id",
        "campaign_name",
        "adset_id",
        "adset_name",
        "ad_id",
        "ad_name",
        "spend",
        "impressions",
        "inline_link_clicks",
        "actions",
        "action_values",
        "account_currency",
    }
)
# Every row carries its period; asking for it changes nothing.
_PERIOD_FIELDS = frozenset({"date_start", "date_stop"})
_DEFAULT_FIELDS = ("impressions", "spend")
_DEFAULT_DATE_PRESET = "last_30d"
_LAST_N_DAYS = re.compile(r"last_(3|7|14|28|30|90)d")
# Meta keeps insights for 37 months: `maximum` reaches back that far.
_RETENTION_MONTHS = 37
_MAX_TIME_INCREMENT_DAYS = 90
# Every window Meta's enum names. The world models one attribution, the account's setting, so
# a request for windows is answered with that figure as each action's `value` (per-window keys
# are left out rather than made up).
_ATTRIBUTION_WINDOWS = frozenset(
    {
        "1d_click",
        "7d_click",
        "28d_click",
        "1d_view",
        "7d_view",
        "28d_view",
        "1d_ev",
        "dda",
        "default",
        "7d_view_first_conversion",
        "28d_view_first_conversion",
        "7d_view_all_conversions",
        "28d_view_all_conversions",
        "skan_click",
        "skan_view",
        "skan_click_second_postback",
        "skan_view_second_postback",
        "skan_click_third_postback",
        "skan_view_third_postback",
    }
)
# The world books a purchase at the hour of the click that led to it: impression time, which
# `mixed` also uses for off-Meta (pixel) purchases.
_MODELLED_REPORT_TIMES = frozenset({"impression", "mixed"})
_REPORT_TIMES = _MODELLED_REPORT_TIMES | {"conversion", "lifetime"}
_UNMODELLED_PARAMS = (
    "sort",
    "time_ranges",
    "summary",
    "summary_action_breakdowns",
    "export_format",
    "export_columns",
    "export_name",
)


class Level(StrEnum):
    ACCOUNT = "account"
    CAMPAIGN = "campaign"
    ADSET = "adset"
    AD = "ad"


class TimeIncrement(StrEnum):
    ALL_DAYS = "all_days"
    MONTHLY = "monthly"


Period = tuple[date, date]  # first and last account-local day, both included

# The fields a row of each level carries: an ad's ids and names only down to the level.
_FIELD_LEVELS = {
    "campaign_id": Level.CAMPAIGN,
    "campaign_name": Level.CAMPAIGN,
    "adset_id": Level.ADSET,
    "adset_name": Level.ADSET,
    "ad_id": Level.AD,
    "ad_name": Level.AD,
}
_DEPTH = {Level.ACCOUNT: 0, Level.CAMPAIGN: 1, Level.ADSET: 2, Level.AD: 3}
# `filtering` on the objects' ids and statuses, read from an ad and its effective status: every
# campaign and ad set of the world is ACTIVE, an ad too until it is deleted.
_FILTER_FIELDS: dict[str, Callable[[Ad, str], str]] = {
    "ad.id": lambda ad, status: ad.ad_id,
    "adset.id": lambda ad, status: ad.adset_id,
    "campaign.id": lambda ad, status: ad.campaign_id,
    "ad.effective_status": lambda ad, status: status,
    "adset.effective_status": lambda ad, status: "ACTIVE",
    "campaign.effective_status": lambda ad, status: "ACTIVE",
}
# Ad-level insights leave deleted and archived ads out unless a filter on ad.effective_status
# asks for them; coarser levels count them in their objects' figures (Marketing API, "Manage your
# ad object's status").
HIDDEN_UNLESS_ASKED = frozenset({"DELETED", "ARCHIVED"})
_FILTER_OPERATORS = frozenset({"EQUAL", "NOT_EQUAL", "IN", "NOT_IN"})


def entity_id(ad: Ad, level: Level) -> str:
    """The id of the object a row of `level` describes, for a row that `ad` delivered."""
    if level is Level.AD:
        return ad.ad_id
    if level is Level.ADSET:
        return ad.adset_id
    if level is Level.CAMPAIGN:
        return ad.campaign_id
    return ad.account_id


def at_level(field: str, level: Level) -> bool:
    """Whether a row of `level` carries `field` (a campaign row has no ad id)."""
    needed = _FIELD_LEVELS.get(field)
    return needed is None or _DEPTH[level] >= _DEPTH[needed]


@dataclass(frozen=True)
class AdFilter:
    field: str
    operator: str
    values: frozenset[str]

    def keeps(self, ad: Ad, status: str) -> bool:
        value = _FILTER_FIELDS[self.field](ad, status)
        inside = value in self.values
        return inside if self.operator in ("EQUAL", "IN") else not inside


@dataclass(frozen=True)
class InsightsQuery:
    fields: tuple[str, ...]
    level: Level
    since: date
    until: date
    time_increment: int | TimeIncrement
    hourly: bool
    filters: tuple[AdFilter, ...] = ()

    @classmethod
    def parse(cls, params: GraphParams, *, today: date) -> InsightsQuery:
        """The query of an ad account's insights call; `today` is the account-local date date
        presets count from."""
        for name in _UNMODELLED_PARAMS:
            if params.get(name, "").strip() not in ("", "[]", "false"):
                raise _unmodelled(name)
        if bool_param(params, "default_summary"):
            raise _unmodelled("default_summary")
        _check_actions(params)
        since, until = _days(params, today)
        return cls(
            fields=_fields(params),
            level=_level(params),
            since=since,
            until=until,
            time_increment=_time_increment(params.get("time_increment")),
            hourly=_hourly(params),
            filters=_filters(params),
        )

    def periods(self) -> Iterator[Period]:
        """The periods rows are cut into, in order, the last one ending at `until`."""
        if self.time_increment is TimeIncrement.ALL_DAYS:
            yield self.since, self.until
            return
        start = self.since
        while start <= self.until:
            if self.time_increment is TimeIncrement.MONTHLY:
                next_start = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
            else:
                assert isinstance(self.time_increment, int)
                next_start = start + timedelta(days=self.time_increment)
            yield start, min(next_start - timedelta(days=1), self.until)
            start = next_start

    def keeps(self, ad: Ad, status: str) -> bool:
        """Whether the ad's rows count, its effective status being `status`."""
        if (
            self.level is Level.AD
            and status in HIDDEN_UNLESS_ASKED
            and not any(condition.field == "ad.effective_status" for condition in self.filters)
        ):
            return False
        return all(condition.keeps(ad, status) for condition in self.filters)


def _fields(params: GraphParams) -> tuple[str, ...]:
    fields = list_param(params, "fields") or _DEFAULT_FIELDS
    unknown = sorted(set(fields) - INSIGHTS_FIELDS - _PERIOD_FIELDS)
    if unknown:
        raise invalid(
            f"(#100) {unknown[0]} is not valid for fields param. please check "
            "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ "
            "for all valid values"
        )
    return tuple(field for field in fields if field not in _PERIOD_FIELDS)


def _level(params: GraphParams) -> Level:
    raw = params.get("level")
    # An ad account's insights are the account's own unless a finer level is asked for.
    if raw is None:
        return Level.ACCOUNT
    try:
        return Level(raw.strip())
    except ValueError as exc:
        raise invalid(
            f"(#100) param level must be one of {{{', '.join(level.value for level in Level)}}}"
        ) from exc


def _hourly(params: GraphParams) -> bool:
    breakdowns = list_param(params, "breakdowns") or ()
    others = [breakdown for breakdown in breakdowns if breakdown != HOURLY_BREAKDOWN]
    if others:
        raise invalid(
            f"(#100) The simulator models no breakdown but {HOURLY_BREAKDOWN}: {others[0]}"
        )
    return bool(breakdowns)


def _check_actions(params: GraphParams) -> None:
    action_breakdowns = list_param(params, "action_breakdowns")
    if action_breakdowns is not None and set(action_breakdowns) - {"action_type"}:
        raise invalid("(#100) The simulator breaks actions down by action_type only")
    windows = list_param(params, "action_attribution_windows") or ()
    unknown = sorted(set(windows) - _ATTRIBUTION_WINDOWS)
    if unknown:
        raise invalid(
            f"(#100) param action_attribution_windows[{windows.index(unknown[0])}] must be one "
            f"of {{{', '.join(sorted(_ATTRIBUTION_WINDOWS))}}}"
        )
    report_time = params.get("action_report_time")
    if report_time is not None:
        if report_time not in _REPORT_TIMES:
            raise invalid(
                "(#100) param action_report_time must be one of "
                f"{{{', '.join(sorted(_REPORT_TIMES))}}}"
            )
        if report_time not in _MODELLED_REPORT_TIMES:
            raise _unmodelled(f"action_report_time={report_time}")
    for name in ("use_account_attribution_setting", "use_unified_attribution_setting"):
        bool_param(params, name)


def _days(params: GraphParams, today: date) -> Period:
    # A time range, when given, wins over a date preset.
    time_range = object_param(params, "time_range")
    if time_range is not None:
        try:
            since = date.fromisoformat(time_range["since"])
            until = date.fromisoformat(time_range["until"])
        except (ValueError, TypeError, KeyError) as exc:
            raise invalid(
                "(#100) param time_range must be a JSON object with since and until dates"
            ) from exc
        if since > until:
            raise invalid("(#100) time_range: since must not be after until")
        return since, until
    return _preset_days(params.get("date_preset", _DEFAULT_DATE_PRESET).strip(), today)


def _preset_days(preset: str, today: date) -> Period:
    """The days of a date preset, as Meta counts them: `last_Nd` ends yesterday, `this_*`
    today, weeks start on the day the preset names."""
    day = timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_end = quarter_start - day
    month_start = today.replace(day=1)
    last_n = _LAST_N_DAYS.fullmatch(preset)
    presets: dict[str, Period] = {
        "today": (today, today),
        "yesterday": (today - day, today - day),
        "this_week_mon_today": (monday, today),
        "this_week_sun_today": (sunday, today),
        "last_week_mon_sun": (monday - 7 * day, monday - day),
        "last_week_sun_sat": (sunday - 7 * day, sunday - day),
        "this_month": (month_start, today),
        "last_month": ((month_start - day).replace(day=1), month_start - day),
        "this_quarter": (quarter_start, today),
        "last_quarter": (
            date(last_quarter_end.year, last_quarter_end.month - 2, 1),
            last_quarter_end,
        ),
        "this_year": (date(today.year, 1, 1), today),
        "last_year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    if last_n is not None:
        return today - int(last_n.group(1)) * day, today - day
    if preset in ("maximum", "data_maximum"):
        months = today.year * 12 + today.month - 1 - _RETENTION_MONTHS
        return date(months // 12, months % 12 + 1, 1), today
    if preset not in presets:
        raise invalid(f"(#100) param date_preset must be a date preset Meta names: {preset}")
    return presets[preset]


def _time_increment(raw: str | None) -> int | TimeIncrement:
    value = (raw or TimeIncrement.ALL_DAYS.value).strip()
    if value in (TimeIncrement.ALL_DAYS.value, TimeIncrement.MONTHLY.value):
        return TimeIncrement(value)
    if value.isdigit() and 1 <= int(value) <= _MAX_TIME_INCREMENT_DAYS:
        return int(value)
    raise invalid(
        "(#100) param time_increment must be all_days, monthly or a number of days from 1 to "
        f"{_MAX_TIME_INCREMENT_DAYS}"
    )


def _filters(params: GraphParams) -> tuple[AdFilter, ...]:
    return tuple(_filter(condition) for condition in objects_param(params, "filtering") or [])


def _filter(condition: dict[str, Any]) -> AdFilter:
    field, operator, value = (condition.get(key) for key in ("field", "operator", "value"))
    if field not in _FILTER_FIELDS:
        raise _unmodelled(f"filtering on {field}")
    if operator not in _FILTER_OPERATORS:
        raise invalid(
            f"(#100) filtering operator must be one of {{{', '.join(sorted(_FILTER_OPERATORS))}}}"
        )
    values = value if isinstance(value, list) else [value]
    if operator in ("EQUAL", "NOT_EQUAL") and len(values) != 1:
        raise invalid(f"(#100) filtering operator {operator} takes a single value")
    return AdFilter(field, operator, frozenset(str(item) for item in values))


def _unmodelled(what: str) -> GraphError:
    return invalid(f"(#100) The simulator does not model {what}")
