"""`CopilotModelDep`: the model when a key is set (None: the parser and templates answer);
`Understanding`: the request's question understood, in its conversation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from api.auth.dependencies import CurrentUser
from api.copilot import conversations, service
from api.copilot.conversations import ConversationNotFound
from api.copilot.model import CopilotModel
from api.copilot.schemas import AskIn
from api.kit.dependencies import AppDbSession, AppResources, Metrics
from api.reporting.periods import InvalidPeriod
from api.workspaces.dependencies import CurrentWorkspace


def _copilot_model(resources: AppResources) -> CopilotModel | None:
    if resources.anthropic is None:
        return None
    return CopilotModel(resources.anthropic, resources.settings)


CopilotModelDep = Annotated[CopilotModel | None, Depends(_copilot_model)]


async def _understood(
    body: AskIn,
    workspace: CurrentWorkspace,
    user: CurrentUser,
    session: AppDbSession,
    semantic_layer: Metrics,
    model: CopilotModelDep,
) -> service.Understood:
    # A dependency, so that its 404 and 422 are answered before a stream starts.
    previous = None
    if body.conversation_id is not None:
        try:
            conversation = conversations.owned(session, body.conversation_id, workspace.id, user.id)
        except ConversationNotFound as exc:
            raise HTTPException(404, "No such conversation.") from exc
        previous = conversations.last_query(session, conversation)
    try:
        return await service.understand(
            body.question,
            service.catalog_of(semantic_layer),
            previous,
            service.workspace_today(workspace),
            model,
        )
    except InvalidPeriod as exc:
        raise HTTPException(422, str(exc)) from exc


Understanding = Annotated[service.Understood, Depends(_understood)]
