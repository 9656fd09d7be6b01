"""The simulated Claude's state a test can read: each stream it served and how it ended.

A stream the client closes early is cancelled here as it is at Anthropic (the generation stops
with the connection), so a test can tell whether metricx stopped asking for an answer nobody
reads any more.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from simulator.world import World

StreamEnd = Literal["streaming", "finished", "cancelled"]


@dataclass
class StreamRecord:
    message_id: str
    model: str
    # Content pieces (text or tool input deltas) the reply holds, and how many were sent.
    pieces: int
    pieces_sent: int = 0
    end: StreamEnd = "streaming"


class AnthropicWorld:
    def __init__(self, world: World) -> None:
        self._lock = threading.Lock()
        self._streams: list[StreamRecord] = []

    def opened(self, record: StreamRecord) -> StreamRecord:
        with self._lock:
            self._streams.append(record)
        return record

    def sent_piece(self, record: StreamRecord) -> None:
        with self._lock:
            record.pieces_sent += 1

    def ended(self, record: StreamRecord, end: StreamEnd) -> None:
        with self._lock:
            record.end = end

    def streams(self) -> list[StreamRecord]:
        """The streams served so far, oldest first (copies: they do not change under you)."""
        with self._lock:
            return [StreamRecord(**vars(record)) for record in self._streams]
