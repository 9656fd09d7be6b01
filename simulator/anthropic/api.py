"""Anthropic's Messages API, simulated: `POST /v1/messages`, plain and streamed, with tool use.

The wire format is the real one (the `anthropic` SDK talks to it through `base_url`): messages
with `tool_use` and `text` blocks, and streams of `message_start`, `content_block_start`,
`ping`, `content_block_delta` (`text_delta`, `input_json_delta`), `content_block_stop`,
`message_delta` and `message_stop` events. What the simulated model says is decided by
simulator/anthropic/model.py; each stream and how it ended is recorded (world.py). Fault knobs
go in the model name: one containing `overloaded` answers 529 `overloaded_error`, as Anthropic
does under load (for fallbacks); one containing `slow` streams a piece every
SLOW_PIECE_SECONDS, as a long answer does (for a client that stops reading midway).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from simulator.anthropic.model import Reply, reply_to
from simulator.anthropic.world import AnthropicWorld, StreamEnd, StreamRecord
from simulator.world import World

OVERLOADED_MARKER = "overloaded"
SLOW_MARKER = "slow"
SLOW_PIECE_SECONDS = 0.25
# Streamed text and tool input arrive in pieces of about this many characters.
CHUNK_CHARS = 24


def build_anthropic_router(world: World) -> APIRouter:
    router = APIRouter(tags=["anthropic simulator"])
    anthropic = world.platform(AnthropicWorld)

    @router.post("/v1/messages")
    async def create_message(request: Request) -> Any:
        # The SDK sends its key as `x-api-key` or as a bearer token, by version.
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not (request.headers.get("x-api-key") or bearer):
            return _error(401, "authentication_error", "x-api-key header is required")
        body = await request.json()
        if not isinstance(body.get("messages"), list) or not body.get("max_tokens"):
            return _error(400, "invalid_request_error", "messages and max_tokens are required")
        model = str(body.get("model", ""))
        if OVERLOADED_MARKER in model:
            return _error(529, "overloaded_error", "Overloaded")
        reply = reply_to(body)
        message_id = f"msg_sim_{secrets.token_hex(12)}"
        if body.get("stream"):
            pieces = sum(len(_block_pieces(block)[0]) for block in reply.blocks)
            record = anthropic.opened(StreamRecord(message_id, model, pieces))
            delay = SLOW_PIECE_SECONDS if SLOW_MARKER in model else 0.0
            return StreamingResponse(
                _recorded(anthropic, record, _events(message_id, model, reply, delay)),
                media_type="text/event-stream",
            )
        return JSONResponse(_message(message_id, model, reply, reply.blocks))

    return router


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"type": "error", "error": {"type": kind, "message": message}},
    )


def _message(
    message_id: str, model: str, reply: Reply, content: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


async def _recorded(
    anthropic: AnthropicWorld, record: StreamRecord, events: AsyncIterator[str]
) -> AsyncIterator[str]:
    # Starlette cancels the stream when the client goes away: it ends here as `cancelled`.
    end: StreamEnd = "cancelled"
    try:
        async for event in events:
            if event.startswith("event: content_block_delta"):
                anthropic.sent_piece(record)
            yield event
        end = "finished"
    finally:
        anthropic.ended(record, end)


async def _events(message_id: str, model: str, reply: Reply, delay: float) -> AsyncIterator[str]:
    start = _message(message_id, model, reply, [])
    start["stop_reason"] = None
    start["usage"] = {"input_tokens": reply.input_tokens, "output_tokens": 1}
    yield _sse("message_start", {"type": "message_start", "message": start})
    yield _sse("ping", {"type": "ping"})
    for index, block in enumerate(reply.blocks):
        pieces, delta_type, field = _block_pieces(block)
        # A block opens empty; its deltas fill it.
        opening: dict[str, Any] = (
            {"type": "text", "text": ""} if block["type"] == "text" else {**block, "input": {}}
        )
        yield _sse(
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": opening},
        )
        for piece in pieces:
            if delay:
                await asyncio.sleep(delay)
            yield _sse(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": delta_type, field: piece},
                },
            )
        yield _sse("content_block_stop", {"type": "content_block_stop", "index": index})
    yield _sse(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": reply.output_tokens},
        },
    )
    yield _sse("message_stop", {"type": "message_stop"})


def _block_pieces(block: dict[str, Any]) -> tuple[list[str], str, str]:
    """A content block's deltas: its pieces, the delta type and the delta's field."""
    if block["type"] == "text":
        return _pieces(block["text"]), "text_delta", "text"
    return _pieces(json.dumps(block["input"])), "input_json_delta", "partial_json"


def _pieces(text: str) -> list[str]:
    return [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)] or [""]
