"""The deterministic parser: a question (and the conversation's previous query) to a structured
query or a refusal, without a model.

It reads phrases, not grammar: metric synonyms, time phrases, comparisons, breakdowns, top-N,
provider, campaign and campaign status filters. A question naming no known metric is a
follow-up when there is a previous query (it edits that query: "and on Google?", "break that
down by campaign"), a list of campaigns when it names a status ("paused campaigns") and a
refusal otherwise; a metric the catalog does not hold is never invented. Words are matched after
a spelling pass against the parser's own vocabulary, so "spnd" and "reveneu" still count.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, timedelta
from difflib import get_close_matches
from typing import Literal

from api.copilot.query import (
    Breakdown,
    CampaignStatus,
    Comparison,
    Filters,
    Intent,
    OrderBy,
    Provider,
    Refusal,
    StructuredQuery,
    TimePreset,
    TimeRange,
)
from api.reporting.attribution import AttributionModel

# Phrase → metric, most specific first (a phrase is consumed once matched).
METRIC_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("platform roas", "platform_roas"),
    ("reported roas", "platform_roas"),
    ("blended roas", "mer"),
    ("marketing efficiency ratio", "mer"),
    ("mer", "mer"),
    ("return on ad spend", "attributed_roas"),
    ("roas", "attributed_roas"),
    ("platform cpa", "platform_cpa"),
    ("cost per acquisition", "attributed_cpa"),
    ("cost per purchase", "attributed_cpa"),
    ("cost per order", "attributed_cpa"),
    ("cpa", "attributed_cpa"),
    ("new customer cac", "new_customer_cac"),
    ("customer acquisition cost", "new_customer_cac"),
    ("cac", "new_customer_cac"),
    ("cost per click", "cpc"),
    ("cpc", "cpc"),
    ("click through rate", "ctr"),
    ("clickthrough rate", "ctr"),
    ("ctr", "ctr"),
    ("cost per mille", "cpm"),
    ("cost per thousand impressions", "cpm"),
    ("cpm", "cpm"),
    ("average order value", "average_order_value"),
    ("avg order value", "average_order_value"),
    ("aov", "average_order_value"),
    ("basket size", "average_order_value"),
    ("attributed revenue", "attributed_revenue"),
    ("attributed sales", "attributed_revenue"),
    ("attributed orders", "attributed_orders"),
    ("platform conversion value", "platform_conversion_value"),
    ("conversion value", "platform_conversion_value"),
    ("platform conversions", "platform_conversions"),
    ("conversions", "platform_conversions"),
    ("gross sales", "gross_sales"),
    ("net sales", "net_sales"),
    ("total sales", "total_sales"),
    ("new customers", "new_customers"),
    ("first time customers", "new_customers"),
    ("ad spend", "spend"),
    ("ad costs", "spend"),
    ("ad cost", "spend"),
    ("spend", "spend"),
    ("spent", "spend"),
    ("spending", "spend"),
    ("revenue", "revenue"),
    ("sales", "revenue"),
    ("turnover", "revenue"),
    ("income", "revenue"),
    ("orders", "orders"),
    ("order count", "orders"),
    ("purchases", "orders"),
    ("transactions", "orders"),
    ("impressions", "impressions"),
    ("clicks", "clicks"),
    ("discounts", "discounts"),
    ("returns", "returns"),
    ("refunds", "returns"),
    ("shipping", "shipping"),
    ("taxes", "taxes"),
    ("tax", "taxes"),
)

# Questions about what no metric holds, or about someone else's data.
OUT_OF_SCOPE = (
    "poem",
    "joke",
    "song",
    "story",
    "weather",
    "competitor",
    "competitors",
    "recipe",
    "translate",
    "capital of",
    "stock price",
    "profit margin",
    "ltv",
    "lifetime value",
    "churn",
    "inventory",
    "stock level",
    "employees",
    "payroll",
    "email open rate",
)

TIME_PHRASES: tuple[tuple[str, TimePreset], ...] = (
    ("month to date", TimePreset.MONTH_TO_DATE),
    ("mtd", TimePreset.MONTH_TO_DATE),
    ("so far this month", TimePreset.MONTH_TO_DATE),
    ("this month", TimePreset.THIS_MONTH),
    ("last month", TimePreset.LAST_MONTH),
    ("previous month", TimePreset.LAST_MONTH),
    ("past month", TimePreset.LAST_30_DAYS),
    ("last 30 days", TimePreset.LAST_30_DAYS),
    ("past 30 days", TimePreset.LAST_30_DAYS),
    ("last thirty days", TimePreset.LAST_30_DAYS),
    ("last week", TimePreset.LAST_WEEK),
    ("previous week", TimePreset.LAST_WEEK),
    ("past week", TimePreset.LAST_7_DAYS),
    ("last 7 days", TimePreset.LAST_7_DAYS),
    ("past 7 days", TimePreset.LAST_7_DAYS),
    ("last seven days", TimePreset.LAST_7_DAYS),
    ("yesterday", TimePreset.YESTERDAY),
    ("today", TimePreset.TODAY),
)

COMPARISONS: tuple[tuple[str, Comparison], ...] = (
    ("same period last year", Comparison.SAME_PERIOD_LAST_YEAR),
    ("year over year", Comparison.SAME_PERIOD_LAST_YEAR),
    ("vs last year", Comparison.SAME_PERIOD_LAST_YEAR),
    ("versus last year", Comparison.SAME_PERIOD_LAST_YEAR),
    ("compared to last year", Comparison.SAME_PERIOD_LAST_YEAR),
    ("than last year", Comparison.SAME_PERIOD_LAST_YEAR),
    ("yoy", Comparison.SAME_PERIOD_LAST_YEAR),
    ("previous period", Comparison.PREVIOUS_PERIOD),
    ("prior period", Comparison.PREVIOUS_PERIOD),
    ("period before", Comparison.PREVIOUS_PERIOD),
    ("the week before", Comparison.PREVIOUS_PERIOD),
    ("the month before", Comparison.PREVIOUS_PERIOD),
    ("the day before", Comparison.PREVIOUS_PERIOD),
    ("week over week", Comparison.PREVIOUS_PERIOD),
    ("month over month", Comparison.PREVIOUS_PERIOD),
    ("wow", Comparison.PREVIOUS_PERIOD),
    ("mom", Comparison.PREVIOUS_PERIOD),
    ("compared to before", Comparison.PREVIOUS_PERIOD),
    ("changed", Comparison.PREVIOUS_PERIOD),
)
# "vs last month" after "this month": the period before, not a second period.
_VERSUS = re.compile(r"\b(?:vs|versus|against|than|compared (?:to|with))\b")

BREAKDOWNS: tuple[tuple[str, Breakdown], ...] = (
    ("ad sets", Breakdown.AD_SET),
    ("ad set", Breakdown.AD_SET),
    ("adsets", Breakdown.AD_SET),
    ("adset", Breakdown.AD_SET),
    ("ad groups", Breakdown.AD_SET),
    ("ad group", Breakdown.AD_SET),
    ("campaigns", Breakdown.CAMPAIGN),
    ("campaign", Breakdown.CAMPAIGN),
    ("platforms", Breakdown.PROVIDER),
    ("platform", Breakdown.PROVIDER),
    ("providers", Breakdown.PROVIDER),
    ("provider", Breakdown.PROVIDER),
    ("channels", Breakdown.PROVIDER),
    ("channel", Breakdown.PROVIDER),
    ("networks", Breakdown.PROVIDER),
    ("network", Breakdown.PROVIDER),
    ("ads", Breakdown.AD),
    ("ad", Breakdown.AD),
    ("days", Breakdown.DAY),
    ("day", Breakdown.DAY),
    ("date", Breakdown.DAY),
    ("hours", Breakdown.HOUR),
    ("hour", Breakdown.HOUR),
)
_BREAKDOWN_WORDS = "|".join(re.escape(phrase) for phrase, _ in BREAKDOWNS)
_BREAKDOWN = re.compile(
    r"\b(?:by|per|each|every|across|split by|broken down by|for each"
    r"|(?:which|what|top|best|worst|bottom|highest|lowest)(?:\s+[a-z0-9]+)?|\d+)\s+"
    rf"(?:the\s+)?({_BREAKDOWN_WORDS})\b"
)
_ADVERB_BREAKDOWNS = (
    ("daily", Breakdown.DAY),
    ("day by day", Breakdown.DAY),
    ("per day", Breakdown.DAY),
    ("hourly", Breakdown.HOUR),
    ("hour by hour", Breakdown.HOUR),
)

PROVIDERS: tuple[tuple[str, Provider], ...] = (
    ("meta ads", Provider.META_ADS),
    ("meta", Provider.META_ADS),
    ("facebook", Provider.META_ADS),
    ("instagram", Provider.META_ADS),
    ("fb", Provider.META_ADS),
    ("ig", Provider.META_ADS),
    ("google ads", Provider.GOOGLE_ADS),
    ("google", Provider.GOOGLE_ADS),
    ("adwords", Provider.GOOGLE_ADS),
    ("youtube", Provider.GOOGLE_ADS),
)

# A status is a campaign's ("paused campaigns", "campaigns that are live", "the active ones").
STATUSES: tuple[tuple[str, CampaignStatus], ...] = (
    ("active", CampaignStatus.ACTIVE),
    ("enabled", CampaignStatus.ACTIVE),
    ("live", CampaignStatus.ACTIVE),
    ("running", CampaignStatus.ACTIVE),
    ("paused", CampaignStatus.PAUSED),
    ("stopped", CampaignStatus.PAUSED),
    ("removed", CampaignStatus.REMOVED),
    ("deleted", CampaignStatus.REMOVED),
    ("archived", CampaignStatus.ARCHIVED),
)
_STATUS_WORDS = "|".join(phrase for phrase, _ in STATUSES)
_PROVIDER_WORDS = "|".join(re.escape(phrase) for phrase, _ in PROVIDERS)
_STATUS_BEFORE = re.compile(rf"\b([a-z]+) ((?:(?:{_PROVIDER_WORDS}) )?)(campaigns?|ones)\b")
_STATUS_AFTER = re.compile(
    rf"\b(campaigns?) (?:that|which)? ?(?:are|were|is|was)? ?(?:currently |still |now )?"
    rf"({_STATUS_WORDS})\b"
)
_ANY_STATUS = re.compile(r"\b(?:all|any|every) (?:statuses|status)\b|\bwhatever (?:the )?status\b")

MODELS: tuple[tuple[str, AttributionModel], ...] = (
    ("last non direct click", AttributionModel.LAST_NON_DIRECT_CLICK),
    ("last non-direct click", AttributionModel.LAST_NON_DIRECT_CLICK),
    ("first click", AttributionModel.FIRST_CLICK),
    ("first touch", AttributionModel.FIRST_CLICK),
    ("last click", AttributionModel.LAST_CLICK),
    ("last touch", AttributionModel.LAST_CLICK),
    ("linear", AttributionModel.LINEAR),
    ("position based", AttributionModel.POSITION_BASED),
    ("u shaped", AttributionModel.POSITION_BASED),
    ("time decay", AttributionModel.TIME_DECAY),
)

_ASCENDING = ("worst", "lowest", "bottom", "least", "fewest", "smallest", "cheapest")
_DESCENDING = ("top", "best", "highest", "most", "biggest", "largest", "leading")
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fourteen": 14,
    "twenty": 20,
}
_DEFAULT_TOP = 5
_COUNT = r"\d+|" + "|".join(_NUMBER_WORDS)
_BY_CAMPAIGN = {"revenue": "attributed_revenue", "orders": "attributed_orders"}
_SQL = re.compile(
    r"\b(?:select\s.+\sfrom|drop\s+table|insert\s+into|delete\s+from|update\s+\w+\s+set"
    r"|union\s+select|truncate\s+table|alter\s+table)\b"
)
_FOLLOW_UP_CUES = re.compile(
    r"^(?:and|also|what about|how about|now|same|only|just|then|ok|okay|but|instead|"
    r"break (?:it|that|this) down|split (?:it|that|this)|show (?:it|that|this)|make (?:it|that))\b"
)
_ALL_PROVIDERS = re.compile(r"\b(?:all|both|every|any) (?:platforms|providers|channels|networks)\b")
_NO_BREAKDOWN = re.compile(
    r"\b(?:in total|overall|no breakdown|without (?:the )?breakdown|total)\b"
)
_NO_COMPARISON = re.compile(r"\b(?:no comparison|without (?:the )?comparison|don t compare)\b")
_ISO_DATE = r"(\d{4}-\d{2}-\d{2})"
_RANGE = re.compile(
    rf"\b(?:from|between)?\s*{_ISO_DATE}\s+(?:to|and|through|until|-)\s+{_ISO_DATE}"
)
_ONE_DAY = re.compile(rf"\b{_ISO_DATE}\b")
_LAST_N_DAYS = re.compile(r"\b(?:last|past|previous) (\d+) days\b")
_QUOTED = re.compile(r"[\"“”']([^\"“”']{2,80})[\"“”']")
_CAMPAIGN_NAMED = re.compile(
    r"\bcampaigns? (?:named|called|containing|matching|like) (.+?)(?=\s+(?:last|this|yesterday|"
    r"today|on|in|for|from|by|vs|compared|over|during)\b|$)"
)
_FOR_CAMPAIGN = re.compile(
    r"\b(?:for|of|in) (?:the |my )?([a-z0-9][a-z0-9 _-]{1,40}?) campaigns?\b"
)
_NOT_CAMPAIGN_NAMES = {"all", "each", "every", "my", "our", "the", "those", "these", "top", "best"}


def parse(
    question: str,
    metrics: Collection[str],
    previous: StructuredQuery | None = None,
    today: date | None = None,
) -> Intent:
    """The structured query `question` asks for, or a refusal saying what can be asked.

    `metrics` are the catalog's names (a synonym whose metric is missing is no match), `previous`
    the conversation's last query, `today` the workspace's day (for "last 14 days").
    """
    if _SQL.search(question.lower()):
        return Refusal(
            reason="I answer questions about your metrics in words; I do not run SQL. "
            "Ask, for example, “what was my spend last week?”"
        )
    text = _normalize(question)
    status, text = _status(text)
    # Campaign names before the spelling pass, which would "correct" them.
    campaign = _campaign_filter(question, text)
    if campaign:
        text = text.replace(campaign, " ")
    text = _spell(text)
    if any(re.search(rf"\b{re.escape(term)}\b", text) for term in OUT_OF_SCOPE):
        return _refusal(metrics)

    found_metrics, text = _metrics(text, metrics)
    follow_up = previous is not None and (
        not found_metrics or bool(_FOLLOW_UP_CUES.match(text.strip()))
    )
    # "active campaigns on Meta": a list of campaigns, with what they spent.
    listing = not found_metrics and not follow_up and status is not None and "spend" in metrics
    if listing:
        found_metrics = ["spend"]
    if not found_metrics and not follow_up:
        return _refusal(metrics)

    base = previous if follow_up and previous is not None else None
    comparison, text = _comparison(text)
    time_range, text = _time_range(text, today)
    model, text = _attribution_model(text)
    providers, text = _providers(text)
    group_by = _breakdowns(text)
    if listing and Breakdown.CAMPAIGN not in group_by:
        group_by.append(Breakdown.CAMPAIGN)
    limit, direction = _ranking(text)

    if base is None:
        query_metrics = found_metrics
        chosen_range = time_range or TimeRange(preset=TimePreset.LAST_7_DAYS)
        chosen_comparison = comparison or Comparison.NONE
        chosen_group_by = group_by
        provider = None
        campaign_filter = campaign
        chosen_status = status
        chosen_model = model or AttributionModel.LAST_NON_DIRECT_CLICK
    else:
        query_metrics = found_metrics or list(base.metrics)
        chosen_range = time_range or base.time_range
        chosen_comparison = comparison or base.compare_to
        if _NO_COMPARISON.search(text):
            chosen_comparison = Comparison.NONE
        chosen_group_by = list(dict.fromkeys([*base.group_by, *group_by]))
        if _NO_BREAKDOWN.search(text) and not group_by:
            chosen_group_by = []
        provider = base.filters.provider
        campaign_filter = campaign or base.filters.campaign
        chosen_status = status or base.filters.status
        if _ANY_STATUS.search(text):
            chosen_status = None
        chosen_model = model or base.attribution_model
        if _ALL_PROVIDERS.search(text):
            provider = None

    if len(providers) > 1:
        # "Meta vs Google", "on Meta and Google": a split, not a filter.
        if Breakdown.PROVIDER not in chosen_group_by:
            chosen_group_by = [*chosen_group_by, Breakdown.PROVIDER]
        provider = None
    elif providers:
        provider = providers[0]
        chosen_group_by = [name for name in chosen_group_by if name is not Breakdown.PROVIDER]

    if chosen_group_by != [Breakdown.DAY] and (
        set(chosen_group_by) - {Breakdown.DAY, Breakdown.HOUR}
        or provider
        or campaign_filter
        or chosen_status
    ):
        # The shop's revenue and orders have no campaign or platform: the attributed ones do.
        query_metrics = list(dict.fromkeys(_BY_CAMPAIGN.get(name, name) for name in query_metrics))
        query_metrics = [name for name in query_metrics if name in metrics]
    order_by = None
    if limit is not None and chosen_group_by:
        order_by = OrderBy(metric=query_metrics[0], direction=direction)
    elif base is not None and base.order_by is not None and chosen_group_by:
        order_by = OrderBy(metric=query_metrics[0], direction=base.order_by.direction)
        limit = base.limit
    return StructuredQuery(
        metrics=query_metrics,
        time_range=chosen_range,
        compare_to=chosen_comparison,
        group_by=chosen_group_by,
        filters=Filters(provider=provider, campaign=campaign_filter, status=chosen_status),
        order_by=order_by,
        limit=limit if order_by else None,
        attribution_model=chosen_model,
    )


def _refusal(metrics: Collection[str]) -> Refusal:
    examples = [
        name for name in ("spend", "revenue", "attributed_roas", "orders") if name in metrics
    ]
    return Refusal(
        reason="I can only answer questions about this workspace's metrics: "
        + ", ".join(sorted(metrics))
        + ". For example: "
        + "; ".join(f"“what was my {name.replace('_', ' ')} last week?”" for name in examples[:2])
    )


def _normalize(question: str) -> str:
    text = question.lower().replace("’", "'")
    text = re.sub(r"[^a-z0-9\-' ]+", " ", text)
    text = text.replace("'s ", " ").replace("'", " ")
    text = re.sub(r"(?<![\d])-|-(?![\d])", " ", text)
    return " " + re.sub(r"\s+", " ", text).strip() + " "


_PHRASE_TABLES: tuple[tuple[tuple[str, object], ...], ...] = (
    METRIC_SYNONYMS,
    TIME_PHRASES,
    BREAKDOWNS,
    _ADVERB_BREAKDOWNS,
    PROVIDERS,
    MODELS,
    COMPARISONS,
)


def _vocabulary() -> list[str]:
    words: set[str] = set()
    for table in _PHRASE_TABLES:
        for phrase, _ in table:
            words.update(word for word in phrase.split() if len(word) >= 4)
    words.update(("week", "month", "compare", "versus", "campaign", "breakdown", "previous"))
    return sorted(words)


_VOCABULARY = _vocabulary()
# Short words are no typos of longer ones ("day" is not "days").
_VOCABULARY_SET = frozenset(
    word for table in _PHRASE_TABLES for phrase, _ in table for word in phrase.split()
) | frozenset(_VOCABULARY)


def _spell(text: str) -> str:
    """Each longer word not in the vocabulary replaced by its close match, if one is close."""
    corrected = []
    for word in text.split():
        if len(word) >= 3 and word not in _VOCABULARY_SET and not word[0].isdigit():
            match = get_close_matches(word, _VOCABULARY, n=1, cutoff=0.8 if len(word) > 3 else 0.85)
            word = match[0] if match else word
        corrected.append(word)
    return " " + " ".join(corrected) + " "


def _consume(text: str, phrase: str) -> tuple[bool, str]:
    pattern = rf"\b{re.escape(phrase)}\b"
    if re.search(pattern, text):
        return True, re.sub(pattern, " ", text, count=1)
    return False, text


def _metrics(text: str, catalog: Collection[str]) -> tuple[list[str], str]:
    positions: list[tuple[int, str]] = []
    for phrase, metric in METRIC_SYNONYMS:
        match = re.search(rf"\b{re.escape(phrase)}\b", text)
        if match and metric in catalog:
            positions.append((match.start(), metric))
            text = text[: match.start()] + " " * len(match.group()) + text[match.end() :]
    names = list(dict.fromkeys(metric for _, metric in sorted(positions)))
    return names, text


def _comparison(text: str) -> tuple[Comparison | None, str]:
    for phrase, comparison in COMPARISONS:
        found, text = _consume(text, phrase)
        if found:
            return comparison, text
    # "this month vs last month", "last week versus the week before": a second period named
    # after a versus is the period before.
    for match in _VERSUS.finditer(text):
        tail = text[match.end() :]
        for phrase, _ in TIME_PHRASES:
            named = re.match(rf"\s+(?:the\s+)?{re.escape(phrase)}\b", tail)
            if named:
                return Comparison.PREVIOUS_PERIOD, text[: match.start()] + tail[named.end() :]
    return None, text


def _time_range(text: str, today: date | None) -> tuple[TimeRange | None, str]:
    match = _RANGE.search(text)
    if match:
        start, end = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        return TimeRange(preset=TimePreset.CUSTOM, start=start, end=end), text.replace(
            match.group(0), " "
        )
    match = _ONE_DAY.search(text)
    if match:
        day = date.fromisoformat(match.group(1))
        return TimeRange(preset=TimePreset.CUSTOM, start=day, end=day), text.replace(
            match.group(0), " "
        )
    for word, number in _NUMBER_WORDS.items():
        text = re.sub(rf"\b(last|past|previous) {word} days\b", rf"\1 {number} days", text)
    match = _LAST_N_DAYS.search(text)
    if match and int(match.group(1)) not in (7, 30) and today is not None:
        days = int(match.group(1))
        end = today - timedelta(days=1)
        return TimeRange(
            preset=TimePreset.CUSTOM, start=end - timedelta(days=days - 1), end=end
        ), text.replace(match.group(0), " ")
    for phrase, preset in TIME_PHRASES:
        found, text = _consume(text, phrase)
        if found:
            return TimeRange(preset=preset), text
    return None, text


def _attribution_model(text: str) -> tuple[AttributionModel | None, str]:
    for phrase, model in MODELS:
        found, text = _consume(text, phrase)
        if found:
            return model, text
    return None, text


def _breakdowns(text: str) -> list[Breakdown]:
    group_by = [dict(BREAKDOWNS)[match.group(1)] for match in _BREAKDOWN.finditer(text)]
    for phrase, breakdown in _ADVERB_BREAKDOWNS:
        if re.search(rf"\b{phrase}\b", text):
            group_by.append(breakdown)
    return list(dict.fromkeys(group_by))


def _ranking(text: str) -> tuple[int | None, Literal["asc", "desc"]]:
    """How many groups a top-N question keeps (None: all), and in which order."""
    ranked = re.search(rf"\b({'|'.join(_ASCENDING + _DESCENDING)})\b(?:\s+({_COUNT}))?", text)
    direction: Literal["asc", "desc"] = (
        "asc" if ranked and ranked.group(1) in _ASCENDING else "desc"
    )
    counted = re.search(rf"\b({_COUNT})\s+({_BREAKDOWN_WORDS})\b", text)
    if ranked and ranked.group(2):
        return _count(ranked.group(2)), direction
    if counted:
        return _count(counted.group(1)), direction
    # "top campaigns": a few; "which campaign", "the best platform": one.
    named = re.search(
        rf"\b(?:which|{'|'.join(_ASCENDING + _DESCENDING)})\s+(?:the\s+)?({_BREAKDOWN_WORDS})\b",
        text,
    )
    if named:
        return (_DEFAULT_TOP if named.group(1).endswith("s") else 1), direction
    if ranked or re.search(rf"\bwhich\s+({_BREAKDOWN_WORDS})\b", text):
        return 1, direction
    return None, direction


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _providers(text: str) -> tuple[list[Provider], str]:
    found: list[tuple[int, Provider]] = []
    for phrase, provider in PROVIDERS:
        for match in re.finditer(rf"\b{re.escape(phrase)}\b", text):
            found.append((match.start(), provider))
        text = re.sub(rf"\b{re.escape(phrase)}\b", " ", text)
    return list(dict.fromkeys(provider for _, provider in sorted(found))), text


def _status(text: str) -> tuple[CampaignStatus | None, str]:
    """The campaign status a question names, and the text without it ("which paused campaigns"
    reads on as "which campaigns"). A status word is matched with its typos here, before the
    spelling pass, since only its place before "campaigns" makes it one."""
    statuses = dict(STATUSES)
    for match in _STATUS_BEFORE.finditer(text):
        word = get_close_matches(match.group(1), statuses, n=1, cutoff=0.8)
        if word:
            noun = "" if match.group(3) == "ones" else match.group(3)
            rest = f"{match.group(2)}{noun}"
            return statuses[word[0]], text[: match.start()] + rest + text[match.end() :]
    after = _STATUS_AFTER.search(text)
    if after:
        return statuses[after.group(2)], text[: after.start()] + after.group(1) + text[
            after.end() :
        ]
    return None, text


def _campaign_filter(original: str, text: str) -> str | None:
    quoted = _QUOTED.search(original.replace("’", "'"))
    if quoted and "campaign" in text:
        return quoted.group(1).strip().lower()
    named = _CAMPAIGN_NAMED.search(text)
    if named:
        return named.group(1).strip()
    for match in _FOR_CAMPAIGN.finditer(text):
        name = match.group(1).strip()
        words = name.split()
        if (
            words
            and words[0] not in _NOT_CAMPAIGN_NAMES
            and not any(
                re.search(rf"\b{re.escape(phrase)}\b", name)
                for table in (METRIC_SYNONYMS, PROVIDERS, TIME_PHRASES)
                for phrase, _ in table
            )
        ):
            return name
    return None
