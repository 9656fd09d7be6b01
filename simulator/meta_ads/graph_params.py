"""Request parameters as the Graph API reads them, whoever the client.

Graph takes a call's parameters from the query string and, on POST, from the body too: a form
(what Meta's `facebook-business` SDK sends for an async report run) or a JSON object. A list
parameter (`fields`, `breakdowns`, `action_attribution_windows`, ...) comes as a comma list
(`a,b`) or as a JSON array (`["a","b"]`, what the SDK makes of a Python list); a map
(`time_range`) as a JSON object; a boolean as `true`/`false` (the SDK json-encodes `True`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from simulator.meta_ads.graph_errors import invalid

GraphParams = Mapping[str, str]

DEFAULT_LIMIT = 25
MAX_LIMIT = 500


def read_params(query: Mapping[str, str], content_type: str, body: bytes) -> dict[str, str]:
    """The call's parameters: the query string's, then the body's (which win, as the later
    value does in Graph)."""
    params = dict(query)
    if not body:
        return params
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise invalid("(#100) The request body is not valid JSON") from exc
        if not isinstance(payload, dict):
            raise invalid("(#100) A JSON request body must be an object of parameters")
        # A JSON body carries native lists, maps and numbers: as parameters they read as the
        # JSON text a form would carry.
        params.update(
            {
                name: value if isinstance(value, str) else json.dumps(value)
                for name, value in payload.items()
            }
        )
    elif media_type in ("application/x-www-form-urlencoded", ""):
        params.update(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
    else:
        raise invalid(f"(#100) The simulator reads form or JSON bodies, not {media_type}")
    return params


def list_param(params: GraphParams, name: str) -> tuple[str, ...] | None:
    """A list parameter given as a comma list or a JSON array of strings; None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    text = raw.strip()
    items: list[Any]
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise invalid(f"(#100) param {name} must be an array.") from exc
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise invalid(f"(#100) param {name} must be an array of strings.")
    else:
        items = text.split(",")
    return tuple(item.strip() for item in items if item.strip())


def object_param(params: GraphParams, name: str) -> dict[str, Any] | None:
    """A map parameter given as a JSON object; None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"(#100) param {name} must be a JSON object.") from exc
    if not isinstance(parsed, dict):
        raise invalid(f"(#100) param {name} must be a JSON object.")
    return parsed


def objects_param(params: GraphParams, name: str) -> list[dict[str, Any]] | None:
    """A list-of-maps parameter given as a JSON array of objects; None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"(#100) param {name} must be a JSON array.") from exc
    if not isinstance(parsed, list) or not all(isinstance(item, dict) for item in parsed):
        raise invalid(f"(#100) param {name} must be an array of objects.")
    return parsed


def bool_param(params: GraphParams, name: str) -> bool | None:
    """A boolean parameter (`true`/`false`, `1`/`0`); None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise invalid(f"(#100) param {name} must be a boolean.")


def limit_param(params: GraphParams) -> int:
    """The page size asked for: Graph's default when absent, capped at the simulator's maximum."""
    raw = params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError as exc:
        raise invalid("(#100) param limit must be an integer") from exc
    if limit < 1:
        raise invalid("(#100) param limit must be positive")
    return min(limit, MAX_LIMIT)


def encode_cursor(raw: str) -> str:
    """A paging cursor: opaque to clients, as Graph's are."""
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(cursor) from exc
