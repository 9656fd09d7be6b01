"""The deterministic parser on the evaluation set (eval_questions.yaml): at least 95% of the
questions understood exactly as their expected structured query."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # no stubs installable offline

from api.copilot.parser import parse
from api.copilot.query import (
    Filters,
    Intent,
    OrderBy,
    Refusal,
    StructuredQuery,
    TimePreset,
    TimeRange,
)
from api.reporting.attribution import AttributionModel

EVAL_SET = Path(__file__).with_name("eval_questions.yaml")
TODAY = date(2026, 11, 21)
TARGET_ACCURACY = 0.95
MIN_QUESTIONS = 150


def catalog_metrics() -> set[str]:
    # The catalog's metrics the evaluation set may use (test_catalog.py checks that the
    # manifest's catalog holds them all); written out so that the parser tests need no manifest.
    return {
        "spend", "impressions", "clicks", "platform_conversions", "platform_conversion_value",
        "ctr", "cpc", "cpm", "platform_roas", "platform_cpa", "revenue", "gross_sales",
        "discounts", "returns", "net_sales", "shipping", "taxes", "total_sales", "orders",
        "average_order_value", "new_customers", "mer", "new_customer_cac", "attributed_revenue",
        "attributed_orders", "attribution_spend", "ad_attributed_revenue",
        "ad_attributed_orders", "attributed_roas", "attributed_cpa",
    }  # fmt: skip


def expected(item: dict[str, Any]) -> Intent:
    if item.get("refusal"):
        return Refusal(reason="")
    time_range = item.get("time_range", "last_7_days")
    top = item.get("top")
    return StructuredQuery(
        metrics=item["metrics"],
        time_range=TimeRange(preset=TimePreset(time_range))
        if isinstance(time_range, str)
        else TimeRange(preset=TimePreset.CUSTOM, start=time_range[0], end=time_range[1]),
        compare_to=item.get("compare_to", "none"),
        group_by=item.get("group_by", []),
        filters=Filters(
            provider=item.get("provider"), campaign=item.get("campaign"), status=item.get("status")
        ),
        order_by=OrderBy(metric=top[0], direction=top[1]) if top else None,
        limit=top[2] if top else None,
        attribution_model=AttributionModel(item.get("attribution_model", "last_non_direct_click")),
    )


def same(got: Intent, want: Intent) -> bool:
    if isinstance(want, Refusal):
        return isinstance(got, Refusal)
    return got == want


def evaluate() -> tuple[int, list[str]]:
    items = yaml.safe_load(EVAL_SET.read_text())
    metrics = catalog_metrics()
    misses: list[str] = []
    previous: Intent | None = None
    for item in items:
        want = expected(item)
        prior = previous if item.get("follows") and isinstance(previous, StructuredQuery) else None
        got = parse(item["q"], metrics, prior, TODAY)
        if not same(got, want):
            misses.append(f"{item['q']!r}\n  got  {got!r}\n  want {want!r}")
        previous = want
    return len(items), misses


def test_the_parser_understands_at_least_95_percent_of_the_evaluation_set() -> None:
    total, misses = evaluate()
    accuracy = (total - len(misses)) / total
    print(f"\ncopilot parser exact match: {total - len(misses)}/{total} = {accuracy:.1%}")
    assert total >= MIN_QUESTIONS
    assert accuracy >= TARGET_ACCURACY, "\n".join(misses)


def test_refusals_say_what_can_be_asked() -> None:
    refusal = parse("write me a poem", catalog_metrics())
    assert isinstance(refusal, Refusal)
    assert "spend" in refusal.reason and "revenue" in refusal.reason


def test_a_metric_missing_from_the_catalog_is_never_invented() -> None:
    # Without ROAS in the catalog, "roas" names nothing the parser may answer with.
    assert isinstance(parse("ROAS last week", {"spend"}), Refusal)
    query = parse("spend and ROAS last week", {"spend"})
    assert isinstance(query, StructuredQuery) and query.metrics == ["spend"]


if __name__ == "__main__":
    count, failures = evaluate()
    print("\n".join(failures))
    print(f"{count - len(failures)}/{count}")
