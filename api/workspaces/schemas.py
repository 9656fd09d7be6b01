from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.kit.text import ONE_LINE


def _check_timezone(name: str) -> str:
    # The IANA names; the warehouses (DuckDB's ICU, PostgreSQL) know each of them.
    if name not in available_timezones():
        raise ValueError(f"{name!r} is not an IANA timezone (e.g. Europe/Berlin)")
    return name


Currency = Annotated[
    str,
    Field(
        pattern="^[A-Z]{3}$",
        examples=["USD"],
        description="ISO 4217 code the marts convert money into.",
    ),
]
Timezone = Annotated[
    str,
    Field(examples=["Europe/Berlin"], description="IANA timezone of the workspace's days."),
    AfterValidator(_check_timezone),
]
# No control characters: a name is shown on one line, and PostgreSQL's text refuses NUL.
Name = Annotated[
    str,
    Field(min_length=1, max_length=200, pattern=ONE_LINE, examples=["Acme Store"]),
]


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    slug: str
    name: str
    currency: str
    timezone: str


class WorkspaceList(BaseModel):
    workspaces: list[WorkspaceOut]


class WorkspaceCreate(BaseModel):
    name: Name
    currency: Currency
    timezone: Timezone


class WorkspaceUpdate(BaseModel):
    """Only the fields sent change. A new currency or timezone rebuilds the workspace's marts
    on the pipeline's next warehouse run."""

    name: Name | None = None
    currency: Currency | None = None
    timezone: Timezone | None = None
