"""A user's conversations with the copilot, kept in the app database per user and workspace.

A conversation holds its turns (question, the intent understood, the answer); its last query is
what a follow-up edits. Nobody reads another user's conversations: every lookup is by id, user
and workspace together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarResult, delete, func, select
from sqlalchemy.orm import Session

from api.copilot.query import Intent, Refusal, StructuredQuery
from warehouse.appdb.models import CopilotConversation, CopilotTurn, utc_now

TITLE_LENGTH = 200


class ConversationNotFound(LookupError):
    pass


def owned(
    session: Session, conversation_id: str, workspace_id: str, user_id: str
) -> CopilotConversation:
    conversation = session.scalar(
        select(CopilotConversation).where(
            CopilotConversation.id == conversation_id,
            CopilotConversation.workspace_id == workspace_id,
            CopilotConversation.user_id == user_id,
        )
    )
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation


def last_query(session: Session, conversation: CopilotConversation) -> StructuredQuery | None:
    """The conversation's latest query (refusals skipped): what a follow-up edits."""
    intents: ScalarResult[dict[str, Any]] = session.scalars(
        select(CopilotTurn.intent)
        .where(CopilotTurn.conversation_id == conversation.id)
        .order_by(CopilotTurn.position.desc())
    )
    for intent in intents:
        if "query" in intent:
            return StructuredQuery.model_validate(intent["query"])
    return None


def record_turn(
    session: Session,
    workspace_id: str,
    user_id: str,
    conversation_id: str | None,
    question: str,
    intent: Intent,
    answer: str,
) -> str:
    """Adds the turn (to a new conversation without an id); returns the conversation's id."""
    if conversation_id is None:
        conversation = CopilotConversation(
            workspace_id=workspace_id, user_id=user_id, title=question[:TITLE_LENGTH]
        )
        session.add(conversation)
        session.flush()
    else:
        conversation = owned(session, conversation_id, workspace_id, user_id)
        conversation.updated_at = utc_now()
    position = session.scalar(
        select(func.coalesce(func.max(CopilotTurn.position), -1) + 1).where(
            CopilotTurn.conversation_id == conversation.id
        )
    )
    session.add(
        CopilotTurn(
            conversation_id=conversation.id,
            position=position,
            question=question,
            intent=intent_json(intent),
            answer=answer,
        )
    )
    session.commit()
    return conversation.id


def intent_json(intent: Intent) -> dict[str, object]:
    if isinstance(intent, Refusal):
        return {"refusal": intent.model_dump(mode="json")}
    return {"query": intent.model_dump(mode="json")}


def conversations(session: Session, workspace_id: str, user_id: str) -> list[CopilotConversation]:
    return list(
        session.scalars(
            select(CopilotConversation)
            .where(
                CopilotConversation.workspace_id == workspace_id,
                CopilotConversation.user_id == user_id,
            )
            .order_by(CopilotConversation.updated_at.desc())
        )
    )


def turns(session: Session, conversation: CopilotConversation) -> list[CopilotTurn]:
    return list(
        session.scalars(
            select(CopilotTurn)
            .where(CopilotTurn.conversation_id == conversation.id)
            .order_by(CopilotTurn.position)
        )
    )


def delete_conversations(
    session: Session, workspace_id: str, user_id: str, conversation_id: str | None = None
) -> None:
    """Deletes one conversation (raises ConversationNotFound) or, without an id, all of them."""
    if conversation_id is not None:
        session.delete(owned(session, conversation_id, workspace_id, user_id))
    else:
        # The turns go with them (ON DELETE CASCADE; SQLite's foreign keys are switched on).
        session.execute(
            delete(CopilotConversation).where(
                CopilotConversation.workspace_id == workspace_id,
                CopilotConversation.user_id == user_id,
            )
        )
    session.commit()
