"""Respond without a model: a short answer written from the fetched rows by templates.

Every figure it writes is a value of the `data` event (rounded as shown), and so is each
percentage change: `change_pct` is sent with the rows it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from api.copilot.fetch import Fetched, Row
from api.copilot.query import Comparison
from api.metrics.service import MetricValue
from warehouse.semantic.compiler import MetricDefinition

# More rows than this are in the data event; the answer names the first ones.
MAX_ANSWER_ROWS = 10


def change_pct(current: MetricValue, previous: MetricValue) -> float | None:
    """The change from `previous` to `current` in percent, to one decimal (None from zero)."""
    if current is None or previous is None or Decimal(str(previous)) == 0:
        return None
    change = (Decimal(str(current)) - Decimal(str(previous))) / abs(Decimal(str(previous)))
    return float(round(change * 100, 1))


def format_value(definition: MetricDefinition, value: MetricValue, currency: str) -> str:
    if value is None:
        return "n/a"
    if definition.unit == "money":
        return f"{Decimal(str(value)):,.2f} {currency}"
    if definition.unit == "quantity":
        count = Decimal(str(value))
        return f"{count:,.0f}" if count % 1 == 0 else f"{count:,.2f}"
    ratio = float(value)
    return f"{ratio:,.4f}" if abs(ratio) < 0.1 else f"{ratio:,.2f}"


def templated_answer(fetched: Fetched, currency: str) -> Iterator[str]:
    """The answer in a few chunks, as a model would stream it."""
    query, period = fetched.query, fetched.periods.current
    span = (
        f"on {period.start}"
        if period.start == period.end
        else f"from {period.start} to {period.end}"
    )
    labels = ", ".join(fetched.definitions[name].label for name in query.metrics)
    if not fetched.rows:
        yield f"There is no data for {labels} {span}"
        yield f" matching campaign “{query.filters.campaign}”." if query.filters.campaign else "."
        return
    before = ""
    if fetched.periods.comparison is not None:
        kind = (
            "the same period last year"
            if query.compare_to is Comparison.SAME_PERIOD_LAST_YEAR
            else "the period before"
        )
        before = (
            f" against {kind} ({fetched.periods.comparison.start} to "
            f"{fetched.periods.comparison.end})"
        )
    if len(fetched.rows) == 1 and not fetched.rows[0].dimensions and fetched.rows[0].day is None:
        yield f"{span[0].upper()}{span[1:]}{before}: "
        yield _figures(fetched, fetched.rows[0], currency) + "."
        return
    scope = (
        ""
        if not query.group_by
        else " by "
        + " and ".join(breakdown.value.replace("_", " ") for breakdown in query.group_by)
    )
    yield f"{labels}{scope} {span}{before}:"
    for row in fetched.rows[:MAX_ANSWER_ROWS]:
        yield f"\n- {_row_name(row)}: {_figures(fetched, row, currency)}"
    if len(fetched.rows) > MAX_ANSWER_ROWS:
        yield f"\n(and {len(fetched.rows) - MAX_ANSWER_ROWS} more rows in the data)"


def _figures(fetched: Fetched, row: Row, currency: str) -> str:
    parts = []
    for name in fetched.query.metrics:
        definition = fetched.definitions[name]
        text = f"{definition.label} {format_value(definition, row.values.get(name), currency)}"
        if row.previous is not None:
            previous = row.previous.get(name)
            text += f" (was {format_value(definition, previous, currency)}"
            change = change_pct(row.values.get(name), previous)
            text += f", {change:+.1f}%)" if change is not None else ")"
        parts.append(text)
    return ", ".join(parts)


def _row_name(row: Row) -> str:
    names: list[str] = [str(row.day)] if row.day is not None else []
    names.extend(_dimension_text(name, value) for name, value in row.dimensions.items())
    return ", ".join(names) or "all"


def _dimension_text(name: Any, value: Any) -> str:
    if value is None:
        return "(none)"
    return f"hour {value}" if str(name) == "hour" else str(value)


def row_payload(row: Row, definitions: Mapping[str, MetricDefinition]) -> dict[str, Any]:
    """A row as the `data` event sends it: money as decimal strings, and each change."""
    payload: dict[str, Any] = {
        "date": row.day.isoformat() if row.day else None,
        "dimensions": {str(name): value for name, value in row.dimensions.items()},
        "values": {name: _json(value) for name, value in row.values.items()},
    }
    if row.previous is not None:
        payload["previous"] = {name: _json(row.previous.get(name)) for name in definitions}
        payload["change_pct"] = {
            name: change_pct(row.values.get(name), row.previous.get(name)) for name in definitions
        }
    return payload


def _json(value: MetricValue) -> str | int | float | None:
    return str(value) if isinstance(value, Decimal) else value
