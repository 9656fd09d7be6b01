from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.auth.dependencies import CurrentUser
from api.copilot import conversations, service
from api.copilot.conversations import ConversationNotFound
from api.copilot.dependencies import CopilotModelDep, Understanding
from api.copilot.fetch import CannotBreakDown
from api.copilot.query import Refusal, StructuredQuery
from api.copilot.schemas import (
    AskIn,
    ConversationDetailOut,
    ConversationOut,
    IntentOut,
    PeriodOut,
    TurnOut,
)
from api.kit.dependencies import AppDbSession, AppResources, Metrics, ServingWarehouse
from api.kit.errors import problem_response
from api.reporting.periods import InvalidPeriod
from api.workspaces.dependencies import WORKSPACE_PROBLEMS, CurrentWorkspace
from warehouse.semantic.compiler import UnknownDimension, UnknownMetric
from warehouse.serving import WarehouseUnavailable

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}/copilot", tags=["copilot"], responses=WORKSPACE_PROBLEMS
)

_CONVERSATION_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: problem_response("No such conversation of yours in this workspace (or no workspace)."),
}
_INTENT_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **_CONVERSATION_PROBLEMS,
    400: problem_response("The body is not JSON."),
    422: problem_response(
        "The body is invalid, or the question names days that cannot be "
        "reported (before 2000, more than 366 days)."
    ),
}


def _intent_out(understood: service.Understood) -> IntentOut:
    periods = understood.periods
    return IntentOut(
        source=understood.source,
        query=understood.intent if isinstance(understood.intent, StructuredQuery) else None,
        refusal=understood.intent if isinstance(understood.intent, Refusal) else None,
        period=PeriodOut(start=periods.current.start, end=periods.current.end) if periods else None,
        comparison_period=PeriodOut(start=periods.comparison.start, end=periods.comparison.end)
        if periods and periods.comparison
        else None,
    )


@router.post("/intent", responses=_INTENT_PROBLEMS)
async def read_intent(understood: Understanding) -> IntentOut:
    """The structured query a question asks for (nothing is fetched), or a refusal saying what
    can be asked. With `conversation_id`, a follow-up edits that conversation's last query."""
    return _intent_out(understood)


@router.post(
    "/ask",
    response_class=EventSourceResponse,
    responses={
        **_INTENT_PROBLEMS,
        200: {
            "description": "Server-Sent Events: `intent` (as /intent answers), `data` "
            "(rows, the metric definitions used, the resolved days), `answer` (text chunks: "
            '`{"text"}`), then `done` (`{"conversation_id"}`); `error` (`{"detail"}`) instead '
            "of `data`/`answer` when the question cannot be fetched. Comment lines keep the "
            "connection alive; closing it stops the work."
        },
    },
)
async def ask(
    body: AskIn,
    understood: Understanding,
    workspace: CurrentWorkspace,
    user: CurrentUser,
    semantic_layer: Metrics,
    warehouse: ServingWarehouse,
    resources: AppResources,
    model: CopilotModelDep,
) -> AsyncIterator[ServerSentEvent]:
    """Understand, fetch and answer a question, streamed. The turn is kept in the conversation
    (a new one without `conversation_id`)."""
    # The stream records the turn in a session of its own, once the answer is complete.
    workspace_id, user_id, currency = workspace.id, user.id, workspace.currency
    intent_out = _intent_out(understood)
    answer: list[str] = []

    def record() -> str:
        with resources.app_db_sessions() as own:
            return conversations.record_turn(
                own,
                workspace_id,
                user_id,
                body.conversation_id,
                body.question,
                understood.intent,
                "".join(answer),
            )

    intent_event = intent_out.model_dump(mode="json")
    yield ServerSentEvent(event="intent", data=intent_event)
    if isinstance(understood.intent, Refusal) or understood.periods is None:
        reason = understood.intent.reason if isinstance(understood.intent, Refusal) else ""
        answer.append(reason)
        yield ServerSentEvent(event="answer", data={"text": reason})
    else:
        try:
            fetched = await service.fetch_rows(
                semantic_layer, warehouse, workspace_id, understood.intent, understood.periods
            )
        except (CannotBreakDown, UnknownMetric, UnknownDimension, InvalidPeriod) as exc:
            yield ServerSentEvent(event="error", data={"detail": str(exc)})
            conversation_id = await run_in_threadpool(record)
            yield ServerSentEvent(event="done", data={"conversation_id": conversation_id})
            return
        except WarehouseUnavailable:
            yield ServerSentEvent(
                event="error", data={"detail": "No analytics data has been published yet."}
            )
            return
        data = service.data_payload(fetched, currency)
        yield ServerSentEvent(event="data", data=data)
        try:
            async for chunk in service.respond(body.question, fetched, data, currency, model):
                answer.append(chunk)
                yield ServerSentEvent(event="answer", data={"text": chunk})
        except Exception:
            logger.exception("copilot: the answer failed")
            yield ServerSentEvent(event="error", data={"detail": "The answer failed midway."})
            return
    conversation_id = await run_in_threadpool(record)
    yield ServerSentEvent(event="done", data={"conversation_id": conversation_id})


@router.get("/conversations", responses=_CONVERSATION_PROBLEMS)
def list_conversations(
    workspace: CurrentWorkspace, user: CurrentUser, session: AppDbSession
) -> list[ConversationOut]:
    """Your conversations in this workspace, the latest first."""
    return [
        ConversationOut(id=c.id, title=c.title, created_at=c.created_at, updated_at=c.updated_at)
        for c in conversations.conversations(session, workspace.id, user.id)
    ]


@router.get("/conversations/{conversation_id}", responses=_CONVERSATION_PROBLEMS)
def read_conversation(
    conversation_id: str, workspace: CurrentWorkspace, user: CurrentUser, session: AppDbSession
) -> ConversationDetailOut:
    try:
        conversation = conversations.owned(session, conversation_id, workspace.id, user.id)
    except ConversationNotFound as exc:
        raise HTTPException(404, "No such conversation.") from exc
    return ConversationDetailOut(
        id=conversation.id,
        title=conversation.title,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        turns=[
            TurnOut(
                question=turn.question,
                intent=turn.intent,
                answer=turn.answer,
                created_at=turn.created_at,
            )
            for turn in conversations.turns(session, conversation)
        ],
    )


@router.delete("/conversations", status_code=204, responses=_CONVERSATION_PROBLEMS)
def delete_conversations(
    workspace: CurrentWorkspace, user: CurrentUser, session: AppDbSession
) -> Response:
    """Deletes all your conversations in this workspace."""
    conversations.delete_conversations(session, workspace.id, user.id)
    return Response(status_code=204)


@router.delete(
    "/conversations/{conversation_id}", status_code=204, responses=_CONVERSATION_PROBLEMS
)
def delete_conversation(
    conversation_id: str, workspace: CurrentWorkspace, user: CurrentUser, session: AppDbSession
) -> Response:
    try:
        conversations.delete_conversations(session, workspace.id, user.id, conversation_id)
    except ConversationNotFound as exc:
        raise HTTPException(404, "No such conversation.") from exc
    return Response(status_code=204)
