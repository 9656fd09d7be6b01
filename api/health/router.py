from __future__ import annotations

from fastapi import APIRouter, Response

from api.health.schemas import Health
from api.health.service import app_database_status, warehouse_status
from api.kit.dependencies import AppResources

router = APIRouter(prefix="/v1/health", tags=["health"])


@router.get(
    "", responses={503: {"model": Health, "description": "The app database is unavailable."}}
)
def health(resources: AppResources, response: Response) -> Health:
    """Unauthenticated. 503 only when the app database is down: without it nothing works, while
    an unavailable warehouse (e.g. before the first pipeline run) leaves the rest of the API up."""
    app_database = app_database_status(resources.app_db_engine)
    if app_database != "ok":
        response.status_code = 503
    return Health(
        status=app_database,
        app_database=app_database,
        warehouse=warehouse_status(resources.warehouse),
    )
