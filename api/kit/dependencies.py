"""Dependencies on the app-wide resources, as `Annotated` aliases for route signatures.

A dependency that does no I/O is `async def` (here and in the routers' dependencies): FastAPI runs
a plain `def` one on a worker thread, and that hop costs more than such a dependency's work; a
dashboard answered from its ETag went through a dozen of them.

The dependencies every route shares (the session, the warehouse, the semantic layer, the
caller: api/auth) read the resources from the request (`resources_of`) rather than depend on
`AppResources`: FastAPI solves a dependency's own dependencies again wherever it is used, before
it looks in its cache, and the dashboard's tree walked `AppResources` 14 times of 38 nodes (24
then, 18 with the caller verified on the workspace's thread, 11 with the workspace read from the
request where it is not the route's own: api/workspaces/dependencies.workspace_of; an ETag
hit's server CPU −12 % and −9 %, measured).
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


def resources_of(request: Request) -> Resources:
    """The app's resources, for a dependency (no node of its own in FastAPI's tree)."""
    return request.app.state.resources


async def _resources(request: Request) -> Resources:
    return resources_of(request)


AppResources = Annotated[Resources, Depends(_resources)]


async def _app_db_session(request: Request) -> AsyncIterator[Session]:
    # A session connects at its first query, so making one is no I/O and needs no worker
    # thread; closing it hands its connection back to the pool (a rollback), so that does.
    session = resources_of(request).app_db_sessions()
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


AppDbSession = Annotated[Session, Depends(_app_db_session)]


async def _warehouse(request: Request) -> WarehouseReader:
    return resources_of(request).warehouse


ServingWarehouse = Annotated[WarehouseReader, Depends(_warehouse)]


async def _semantic_layer(request: Request) -> SemanticLayer:
    return resources_of(request).semantic_layer


Metrics = Annotated[SemanticLayer, Depends(_semantic_layer)]
