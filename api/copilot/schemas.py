from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.copilot.query import Refusal, StructuredQuery
from api.kit.text import ONE_LINE


class AskIn(BaseModel):
    # Kept in the conversation: PostgreSQL's text refuses NUL.
    question: str = Field(min_length=1, max_length=2000, pattern=r"^[^\x00]+$")
    conversation_id: str | None = Field(
        None,
        pattern=ONE_LINE,
        description="A conversation of yours: the question may follow up on its last query.",
    )


class PeriodOut(BaseModel):
    start: dt.date
    end: dt.date


class IntentOut(BaseModel):
    source: Literal["model", "parser"] = Field(
        description="`model`: Claude understood the question; `parser`: the deterministic parser "
        "(no key, or the model failed)."
    )
    query: StructuredQuery | None = Field(None, description="What will be fetched.")
    refusal: Refusal | None = Field(None, description="Why it cannot be answered, what can be.")
    period: PeriodOut | None = Field(None, description="The query's days, resolved.")
    comparison_period: PeriodOut | None = None


class ConversationOut(BaseModel):
    id: str
    title: str
    created_at: dt.datetime
    updated_at: dt.datetime


class TurnOut(BaseModel):
    question: str
    intent: dict[str, Any] = Field(description='`{"query": …}` or `{"refusal": …}`.')
    answer: str
    created_at: dt.datetime


class ConversationDetailOut(ConversationOut):
    turns: list[TurnOut]
