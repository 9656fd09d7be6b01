"""The Anthropic simulator read by Anthropic's own SDK: tool use from its own table of questions
(a refusal for any other), streaming with the real event names (text and input_json deltas),
each stream recorded with how it ended, authentication and overload errors."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import httpx
import pytest

from simulator.anthropic.world import AnthropicWorld
from simulator.server import SimulatorServer

TOOL: dict[str, Any] = {
    "name": "query_metrics",
    "description": "Fetch metrics.",
    "input_schema": {
        "type": "object",
        "properties": {
            "metrics": {"type": "array", "items": {"type": "string", "enum": ["spend"]}}
        },
        "required": ["metrics"],
    },
    "strict": True,
}
QUESTION = (
    'Context: {"today_in_workspace_timezone": "2026-11-21"}\n\n'
    "<question>\nWhat was my spend last week?\n</question>"
)


def _client(simulator: SimulatorServer, **options: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key="sk-sim", base_url=f"{simulator.base_url}/anthropic", **options
    )


def test_tool_use_answers_with_the_tables_query(simulator: SimulatorServer) -> None:
    message = _client(simulator).messages.create(
        model="claude-sonnet-5-5",
        max_tokens=512,
        tools=[TOOL],  # type: ignore[list-item]
        tool_choice={"type": "any"},
        messages=[{"role": "user", "content": QUESTION}],
    )
    assert message.stop_reason == "tool_use"
    [block] = message.content
    assert block.type == "tool_use" and block.name == "query_metrics"
    assert block.input["metrics"] == ["spend"]  # type: ignore[index]
    assert block.input["time_range"]["preset"] == "last_week"  # type: ignore[index]
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0


def test_explicit_days_come_back_and_other_questions_are_refused(
    simulator: SimulatorServer,
) -> None:
    def tool_call(question: str) -> Any:
        message = _client(simulator).messages.create(
            model="claude-sonnet-5-5",
            max_tokens=512,
            tools=[TOOL],  # type: ignore[list-item]
            tool_choice={"type": "any"},
            messages=[{"role": "user", "content": f"<question>\n{question}\n</question>"}],
        )
        [block] = message.content
        return block

    days = tool_call("Spend by platform from 2026-11-19 to 2026-11-20")
    assert days.name == "query_metrics"
    assert days.input["time_range"] == {
        "preset": "custom",
        "start": "2026-11-19",
        "end": "2026-11-20",
    }
    assert days.input["group_by"] == ["provider"]
    refusal = tool_call("write me a poem")
    assert refusal.name == "refuse" and "spend" in refusal.input["reason"]


def test_streamed_tool_input_arrives_as_input_json_deltas(simulator: SimulatorServer) -> None:
    with _client(simulator).messages.stream(
        model="claude-sonnet-5-5",
        max_tokens=512,
        tools=[TOOL],  # type: ignore[list-item]
        messages=[{"role": "user", "content": QUESTION}],
    ) as stream:
        kinds = [event.type for event in stream]
        message = stream.get_final_message()
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert {"content_block_start", "content_block_stop", "message_delta"} <= set(kinds)
    assert "input_json" in kinds  # the SDK's event for each input_json_delta
    assert message.content[0].input["metrics"] == ["spend"]  # type: ignore[union-attr]
    record = simulator.world.platform(AnthropicWorld).streams()[-1]
    assert record.message_id == message.id
    assert record.end == "finished" and record.pieces_sent == record.pieces > 0


def test_streamed_text_quotes_the_data(simulator: SimulatorServer) -> None:
    data = (
        '{"period": {"start": "2026-11-20", "end": "2026-11-20"}, "metrics": '
        '[{"name": "spend", "label": "Spend"}], "rows": [{"date": null, "dimensions": {}, '
        '"values": {"spend": "123.45"}}]}'
    )
    with _client(simulator).messages.stream(
        model="claude-sonnet-5-5",
        max_tokens=256,
        messages=[
            {
                "role": "user",
                "content": f"<question>\nspend\n</question>\n\n<data>\n{data}\n</data>",
            }
        ],
    ) as stream:
        text = "".join(stream.text_stream)
    assert "Spend was 123.45" in text and "2026-11-20" in text


def test_errors_are_anthropics(simulator: SimulatorServer) -> None:
    response = httpx.post(
        f"{simulator.base_url}/anthropic/v1/messages",
        json={"model": "claude-sonnet-5-5", "max_tokens": 10, "messages": []},
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    with pytest.raises(anthropic.InternalServerError) as raised:
        _client(simulator, max_retries=0).messages.create(
            model="claude-overloaded",
            max_tokens=10,
            messages=[{"role": "user", "content": "hi"}],
        )
    assert raised.value.status_code == 529


def test_a_stream_the_client_closes_is_cancelled_midway(simulator: SimulatorServer) -> None:
    data = (
        '{"period": {"start": "2026-11-20", "end": "2026-11-20"}, "metrics": '
        '[{"name": "spend", "label": "Spend"}], "rows": [{"date": null, "dimensions": {}, '
        '"values": {"spend": "123.45"}}]}'
    )
    with _client(simulator).messages.stream(
        model="claude-slow",
        max_tokens=256,
        messages=[
            {"role": "user", "content": f"<question>\nspend\n</question>\n<data>\n{data}\n</data>"}
        ],
    ) as stream:
        message_id = next(event for event in stream if event.type == "message_start").message.id
        next(event for event in stream if event.type == "text")
    record = _ended(simulator, message_id)
    assert record.end == "cancelled"
    assert 1 <= record.pieces_sent < record.pieces


def _ended(simulator: SimulatorServer, message_id: str) -> Any:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [record] = [
            r
            for r in simulator.world.platform(AnthropicWorld).streams()
            if r.message_id == message_id
        ]
        if record.end != "streaming":
            return record
        time.sleep(0.05)
    raise AssertionError(f"the stream {message_id} never ended")
