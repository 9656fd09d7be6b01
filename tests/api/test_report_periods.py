"""Report ranges as a merchant's date picker resolves them."""

from __future__ import annotations

from datetime import date

import pytest

from api.reporting.periods import InvalidPeriod, Period, ReportRange, resolve_range

TODAY = date(2026, 3, 1)  # the day after a February of 28 days


@pytest.mark.parametrize(
    ("report_range", "expected"),
    [
        (ReportRange.TODAY, Period(date(2026, 3, 1), date(2026, 3, 1))),
        (ReportRange.YESTERDAY, Period(date(2026, 2, 28), date(2026, 2, 28))),
        (ReportRange.LAST_7_DAYS, Period(date(2026, 2, 22), date(2026, 2, 28))),
        (ReportRange.LAST_30_DAYS, Period(date(2026, 1, 30), date(2026, 2, 28))),
        (ReportRange.MONTH_TO_DATE, Period(date(2026, 3, 1), date(2026, 3, 1))),
        (ReportRange.LAST_MONTH, Period(date(2026, 2, 1), date(2026, 2, 28))),
    ],
)
def test_presets_resolve_to_the_merchants_days(report_range: ReportRange, expected: Period) -> None:
    assert resolve_range(report_range, TODAY) == expected


def test_the_previous_period_is_as_long_and_just_before() -> None:
    last_month = resolve_range(ReportRange.LAST_MONTH, TODAY)
    assert last_month.previous() == Period(date(2026, 1, 4), date(2026, 1, 31))
    assert resolve_range(ReportRange.TODAY, TODAY).previous() == Period(
        date(2026, 2, 28), date(2026, 2, 28)
    )


def test_custom_ranges_need_both_ends_in_order_and_at_most_a_year() -> None:
    assert resolve_range(ReportRange.CUSTOM, TODAY, date(2025, 12, 30), date(2026, 1, 2)) == Period(
        date(2025, 12, 30), date(2026, 1, 2)
    )
    for start, end in [
        (None, date(2026, 1, 2)),
        (date(2026, 1, 3), date(2026, 1, 2)),
        (date(2024, 1, 1), date(2025, 1, 1)),
    ]:
        with pytest.raises(InvalidPeriod):
            resolve_range(ReportRange.CUSTOM, TODAY, start, end)
    with pytest.raises(InvalidPeriod):
        resolve_range(ReportRange.LAST_7_DAYS, TODAY, date(2026, 1, 1), None)


def test_days_before_2000_are_refused_not_overflowed() -> None:
    with pytest.raises(InvalidPeriod):
        resolve_range(ReportRange.CUSTOM, TODAY, date(1, 1, 1), date(1, 1, 2))
