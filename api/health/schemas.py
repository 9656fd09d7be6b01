from __future__ import annotations

from pydantic import BaseModel

from api.health.service import Status


class Health(BaseModel):
    status: Status
    app_database: Status
    warehouse: Status
