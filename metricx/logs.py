"""One logging set-up for every metricx process: the CLI, the API it serves, the Dagster code
location and the runs it launches.

`json` (the default) writes one JSON object per line — timestamp, level, logger, message and the
context known where the record was made (run_id, job, step, partition, connection) — for a log
collector to index; `text` is for people reading a terminal (the demo). Choose with
`METRICX_LOG_FORMAT`, the threshold with `METRICX_LOG_LEVEL`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

LogFormat = Literal["json", "text"]

# Fields a record carries when known, in the order a JSON line lists them.
CONTEXT_FIELDS = (
    "run_id",
    "job",
    "step",
    "partition",
    "connection",
    "event",
    "request_id",
    # The copilot's stages: which, with which model, its tokens and latency.
    "stage",
    "model",
    "input_tokens",
    "output_tokens",
    "latency_ms",
)

_context: ContextVar[Mapping[str, str]] = ContextVar(
    "metricx_log_context", default=MappingProxyType({})
)

# What Dagster's log manager attaches to the records it hands to a run's loggers.
_DAGSTER_META = "dagster_meta"
_PARTITION_TAG = "dagster/partition"
_RANGE_START_TAG = "dagster/asset_partition_range_start"
_RANGE_END_TAG = "dagster/asset_partition_range_end"
# Marks the root handler configure_logging installed.
_OURS = "metricx_handler"
# HTTP clients log every request at INFO (thousands per landing run), alembic every plugin it
# loads, and MetricFlow and dbt's semantic libraries each manifest they read and plan they build
# (a screenful when the API starts): above WARNING only, so metricx's own records stay readable.
QUIET_LOGGERS = (
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "alembic",
    "metricflow",
    "metricflow_semantics",
    "metricflow_semantic_interfaces",
    "dbt_semantic_interfaces",
    "dbt_metricflow",
)


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Every record made inside the block (in this thread or task) carries `fields`."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def record_context(record: logging.LogRecord) -> dict[str, str]:
    """The context fields of `record`: the block's, then Dagster's run metadata, then `extra=`."""
    fields: dict[str, str] = dict(_context.get())
    meta = getattr(record, _DAGSTER_META, None)
    if meta:
        tags = meta.get("job_tags") or {}
        event = meta.get("dagster_event")
        partition = tags.get(_PARTITION_TAG) or _partition_range(tags)
        fields.update(
            {
                name: value
                for name, value in (
                    ("run_id", meta.get("run_id")),
                    ("job", meta.get("job_name")),
                    ("step", meta.get("step_key")),
                    ("partition", partition),
                    ("event", event.event_type_value if event else None),
                )
                if value
            }
        )
    for name in CONTEXT_FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            fields[name] = str(value)
    return fields


def _partition_range(tags: Mapping[str, str]) -> str | None:
    start, end = tags.get(_RANGE_START_TAG), tags.get(_RANGE_END_TAG)
    return f"{start}...{end}" if start and end else None


def record_message(record: logging.LogRecord) -> str:
    """The message as logged: Dagster prefixes its records with job, run and step, which are
    fields here."""
    meta = getattr(record, _DAGSTER_META, None)
    return meta["orig_message"] if meta else record.getMessage()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record_message(record),
            **record_context(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = record_message(record)
        context = record_context(record)
        line = super().formatMessage(record)
        return f"{line} [{' '.join(f'{k}={v}' for k, v in context.items())}]" if context else line


def make_handler(log_format: LogFormat) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    return handler


def configure_logging(log_format: LogFormat, level: str = "INFO") -> None:
    """Route every logger of this process through one root handler in `log_format`.

    Calling it again replaces the handler it installed instead of printing twice; handlers others
    installed (a test runner's capture) stay.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
    handler = make_handler(log_format)
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
