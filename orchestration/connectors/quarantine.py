"""Rows a connector could not parse: kept with the reason, counted, landed beside the slice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MalformedRow:
    reason: str
    payload: str  # the row as received, JSON text

    @classmethod
    def of(cls, row: Any, reason: str) -> MalformedRow:
        return cls(reason=reason, payload=json.dumps(row, sort_keys=True, default=str))
