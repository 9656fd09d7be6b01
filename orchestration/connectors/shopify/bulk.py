"""Reading a bulk operation's JSONL file back into order nodes.

A bulk file holds one object per line. Nested connections are not nested: each child (a line
item) is a line of its own after its parent, pointing back with `__parentId`. Lists such as
`refunds` stay inline. Reassembly puts the children back in the shape a paged query answers
(`{"edges": [{"node": ...}], "pageInfo": {...}}`), so one parser reads both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from orchestration.connectors.quarantine import MalformedRow

# The connection a child line belongs to, by the object type in its global id.
CHILD_CONNECTIONS = {"LineItem": "lineItems"}


def reassemble(lines: Iterable[str]) -> Iterator[dict[str, Any] | MalformedRow]:
    """Parent nodes with their children attached, in file order; unreadable lines and children
    whose parent is missing (its line was unreadable) as MalformedRow.

    Parents are held until the end of the file: Shopify only promises children come after their
    parent, not right after it.
    """
    parents: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        if not isinstance(item, dict):
            yield MalformedRow(f"bulk file line {number}: not a JSON object", json.dumps(line))
            continue
        parent_id = item.pop("__parentId", None)
        if parent_id is None:
            if not isinstance(item.get("id"), str):
                yield MalformedRow.of(item, f"bulk file line {number}: object without an id")
                continue
            for connection in CHILD_CONNECTIONS.values():
                # A bulk file lists every child, so the connection is complete by construction.
                item[connection] = {"edges": [], "pageInfo": {"hasNextPage": False}}
            parents[item["id"]] = item
            continue
        parent = parents.get(parent_id)
        child_connection = CHILD_CONNECTIONS.get(_object_type(item.get("id")) or "")
        if parent is None or child_connection is None:
            reason = (
                f"parent {parent_id} is not in the file (its line was unreadable)"
                if parent is None
                else f"child of unknown type {item.get('id')!r}"
            )
            yield MalformedRow.of(
                {**item, "__parentId": parent_id}, f"bulk file line {number}: {reason}"
            )
            continue
        parent[child_connection]["edges"].append({"node": item})
    yield from parents.values()


def _object_type(gid: Any) -> str | None:
    # gid://shopify/LineItem/123 -> LineItem
    if not isinstance(gid, str) or not gid.startswith("gid://shopify/"):
        return None
    return gid.split("/")[3]
