"""Dependencies on the app-wide resources, as `Annotated` aliases for route signatures.

A dependency that does no I/O is `async def` (here and in the routers' dependencies): FastAPI runs
a plain `def` one on a worker thread, and that hop costs more than such a dependency's work; a
dashboard answered from its ETag went through a dozen of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.kit.resources import Resources
from warehouse.connection import WarehouseReader
from warehouse.semantic.compiler import SemanticLayer


async def _resources(request: Request) -> Resources:
    return request.app.state.resources


AppResources = Annotated[Resources, Depends(_resources)]


async def _app_db_session(resources: AppResources) -> AsyncIterator[Session]:
    # A session connects at its first query, so making one is no I/O and needs no worker
    # thread; closing it hands its connection back to the pool (a rollback), so that does.
    session = resources.app_db_sessions()
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


AppDbSession = Annotated[Session, Depends(_app_db_session)]


async def _warehouse(resources: AppResources) -> WarehouseReader:
    return resources.warehouse


ServingWarehouse = Annotated[WarehouseReader, Depends(_warehouse)]


async def _semantic_layer(resources: AppResources) -> SemanticLayer:
    return resources.semantic_layer


Metrics = Annotated[SemanticLayer, Depends(_semantic_layer)]
