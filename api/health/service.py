"""Probes of what the API depends on; each answers rather than raises."""

from __future__ import annotations

import logging
from typing import Literal

from sqlalchemy import Engine, text

from warehouse.connection import WarehouseReader

logger = logging.getLogger(__name__)

Status = Literal["ok", "unavailable"]


def app_database_status(engine: Engine) -> Status:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        logger.exception("app database health check failed")
        return "unavailable"
    return "ok"


def warehouse_status(warehouse: WarehouseReader) -> Status:
    try:
        warehouse.fetch_all("SELECT 1 AS ok")
    except Exception as exc:
        # Expected before the pipeline's first build, so no traceback.
        logger.warning("warehouse health check failed: %s", exc)
        return "unavailable"
    return "ok"
