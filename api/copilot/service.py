"""The copilot's three stages — understand, fetch, respond — as the routes run them.

Understand: Claude with a key (falling back to the parser when it fails), the deterministic
parser without. Fetch: the structured query through the metrics service and its compiler.
Respond: Claude's streamed answer grounded in the rows, or the templated one. Each stage is a
Sentry span (a no-op without SENTRY_DSN) and logs its latency.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sentry_sdk
from starlette.concurrency import run_in_threadpool

from api.copilot.answer import row_payload, templated_answer
from api.copilot.fetch import Fetched, fetch
from api.copilot.model import CopilotModel, ModelFailed
from api.copilot.parser import parse
from api.copilot.query import (
    Catalog,
    Intent,
    ResolvedPeriods,
    StructuredQuery,
    resolve_periods,
)
from api.reporting.periods import Period
from metricx.logs import log_context
from warehouse.appdb.models import Workspace
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import SemanticLayer

logger = logging.getLogger(__name__)

Source = Literal["model", "parser"]


@lru_cache(maxsize=4)
def catalog_of(semantic_layer: SemanticLayer) -> Catalog:
    # One catalog per semantic layer, which lives as long as the app.
    return Catalog.of(semantic_layer)


def workspace_today(workspace: Workspace) -> date:
    # "Today" is the merchant's: at 23:00 in Los Angeles it is already tomorrow in UTC.
    return datetime.now(ZoneInfo(workspace.timezone)).date()


@dataclass(frozen=True)
class Understood:
    intent: Intent
    source: Source
    periods: ResolvedPeriods | None


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    with sentry_sdk.start_span(op=f"copilot.{name}", name=f"copilot {name}"):
        yield
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    with log_context(stage=name, latency_ms=str(latency_ms)):
        logger.info("copilot stage")


async def understand(
    question: str,
    catalog: Catalog,
    previous: StructuredQuery | None,
    today: date,
    model: CopilotModel | None,
) -> Understood:
    """Raises InvalidPeriod (explicit dates outside what can be reported)."""
    intent: Intent | None = None
    source: Source = "parser"
    with stage("understand"):
        if model is not None:
            try:
                intent = await model.understand(question, catalog, previous, today)
                source = "model"
            except ModelFailed as exc:
                logger.warning("copilot: the model could not understand, the parser does: %s", exc)
        if intent is None:
            intent = parse(question, catalog.metrics, previous, today)
    periods = resolve_periods(intent, today) if isinstance(intent, StructuredQuery) else None
    return Understood(intent, source, periods)


async def fetch_rows(
    semantic_layer: SemanticLayer,
    warehouse: WarehouseReader,
    workspace_id: str,
    query: StructuredQuery,
    periods: ResolvedPeriods,
) -> Fetched:
    """Raises CannotBreakDown, UnknownMetric, UnknownDimension."""
    with stage("fetch"):
        return await run_in_threadpool(
            fetch,
            semantic_layer,
            warehouse,
            catalog_of(semantic_layer),
            workspace_id,
            query,
            periods,
        )


def data_payload(fetched: Fetched, currency: str) -> dict[str, Any]:
    """The `data` event: rows, the metric definitions used and the resolved dates."""
    return {
        "currency": currency,
        "period": period_json(fetched.periods.current),
        "comparison_period": period_json(fetched.periods.comparison),
        "metrics": [
            {
                "name": name,
                "semantic_name": definition.name,
                "label": definition.label,
                "description": definition.description,
                "formula": definition.formula,
                "unit": definition.unit,
            }
            for name, definition in fetched.definitions.items()
        ],
        "group_by": [breakdown.value for breakdown in fetched.query.group_by],
        "rows": [row_payload(row, fetched.definitions) for row in fetched.rows],
    }


def period_json(period: Period | None) -> dict[str, str] | None:
    if period is None:
        return None
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


async def respond(
    question: str,
    fetched: Fetched,
    data: dict[str, Any],
    currency: str,
    model: CopilotModel | None,
) -> AsyncIterator[str]:
    """The answer's chunks: the model's stream, or the template without a model (or when the
    model fails before its first chunk)."""
    with stage("respond"):
        if model is not None:
            sent = False
            try:
                async for chunk in model.respond(question, data):
                    sent = True
                    yield chunk
                return
            except ModelFailed as exc:
                if sent:
                    raise
                logger.warning("copilot: the model could not answer, the template does: %s", exc)
        for chunk in templated_answer(fetched, currency):
            yield chunk
