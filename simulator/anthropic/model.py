"""What the simulated Claude says.

Asked with tools (the copilot's understanding stage), it decides its tool input with metricx's
own deterministic parser, reading the metric names from the tool's schema, the question from
the `<question>` block and the previous query and today from the context line: the wire format
is Anthropic's, the understanding is the parser's, which is what makes the model path testable
offline. Asked without tools (the answer stage), it writes a short answer that quotes the rows
of the `<data>` block exactly as given, so every figure it says is in the data.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from api.copilot.parser import parse
from api.copilot.query import Refusal, StructuredQuery

_QUESTION = re.compile(r"<question>\n?(.*?)\n?</question>", re.DOTALL)
_DATA = re.compile(r"<data>\n?(.*?)\n?</data>", re.DOTALL)
_CONTEXT = re.compile(r"^Context: (\{.*\})$", re.MULTILINE)
_QUERY_TOOL = "query_metrics"
_REFUSE_TOOL = "refuse"
MAX_ROWS = 5


@dataclass(frozen=True)
class Reply:
    blocks: list[dict[str, Any]]
    stop_reason: str
    input_tokens: int
    output_tokens: int


def reply_to(body: dict[str, Any]) -> Reply:
    prompt = _last_user_text(body["messages"])
    input_tokens = _tokens(json.dumps(body))
    tools = {tool["name"]: tool for tool in body.get("tools") or []}
    if _QUERY_TOOL in tools:
        name, tool_input = _understand(prompt, tools[_QUERY_TOOL]["input_schema"])
        block = {
            "type": "tool_use",
            "id": f"toolu_sim_{secrets.token_hex(12)}",
            "name": name,
            "input": tool_input,
        }
        return Reply([block], "tool_use", input_tokens, _tokens(json.dumps(tool_input)))
    text = _answer(prompt)
    return Reply([{"type": "text", "text": text}], "end_turn", input_tokens, _tokens(text))


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    content = next(m["content"] for m in reversed(messages) if m["role"] == "user")
    if isinstance(content, str):
        return content
    return "\n".join(block.get("text", "") for block in content if block.get("type") == "text")


def _tokens(text: str) -> int:
    # Roughly Claude's: four characters a token.
    return max(1, len(text) // 4)


def _understand(prompt: str, schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    question = _QUESTION.search(prompt)
    context_match = _CONTEXT.search(prompt)
    context = json.loads(context_match.group(1)) if context_match else {}
    metrics = schema["properties"]["metrics"]["items"]["enum"]
    previous = context.get("previous_query")
    today = context.get("today_in_workspace_timezone")
    intent = parse(
        question.group(1) if question else prompt,
        metrics,
        StructuredQuery.model_validate(previous) if previous else None,
        date.fromisoformat(today) if today else None,
    )
    if isinstance(intent, Refusal):
        return _REFUSE_TOOL, intent.model_dump(mode="json")
    return _QUERY_TOOL, intent.model_dump(mode="json")


def _answer(prompt: str) -> str:
    found = _DATA.search(prompt)
    if not found:
        return "I can only answer from the data I am given."
    data = json.loads(found.group(1))
    period = data["period"]
    labels = {metric["name"]: metric["label"] for metric in data["metrics"]}
    rows = data["rows"]
    if not rows:
        return f"There is no data from {period['start']} to {period['end']}."
    sentences = [f"From {period['start']} to {period['end']}"]
    for row in rows[:MAX_ROWS]:
        where = ", ".join(str(value) for value in row["dimensions"].values())
        if row.get("date"):
            where = f"{row['date']} {where}".strip()
        figures = []
        for name, value in row["values"].items():
            text = f"{labels.get(name, name)} was {_figure(value)}"
            change = (row.get("change_pct") or {}).get(name)
            if change is not None:
                text += f" ({_figure(row['previous'][name])} before, {change:+}%)"
            figures.append(text)
        sentences.append(f"{where + ': ' if where else ''}{'; '.join(figures)}")
    if len(rows) > MAX_ROWS:
        sentences.append(f"{len(rows) - MAX_ROWS} more rows are in the data")
    return ". ".join(sentences) + "."


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return "n/a" if value is None else str(value)
