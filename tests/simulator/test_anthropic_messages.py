"""The Anthropic simulator read by Anthropic's own SDK: tool use, streaming with the real event
names (text and input_json deltas), authentication and overload errors."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import pytest

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
    "<question>\nspend yesterday\n</question>"
)


def _client(simulator: SimulatorServer, **options: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key="sk-sim", base_url=f"{simulator.base_url}/anthropic", **options
    )


def test_tool_use_answers_with_the_parsers_query(simulator: SimulatorServer) -> None:
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
    assert block.input["time_range"]["preset"] == "yesterday"  # type: ignore[index]
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0


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
