"""Answers of the reporting routes kept until the pipeline publishes new marts.

The marts change only when a build is published (warehouse/publication.py), every 15 minutes
at most, while a dashboard asks the same questions on every load. So an answer is kept per
(workspace, route, query, published version) and served again, with its ETag, until the version
changes; then every kept answer is dropped at once. Routes use it through the `CachedResponse`
dependency (api/kit/cached_response.py); the cache itself lives in the app's resources.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum

from fastapi.responses import Response
from pydantic import BaseModel

from api.kit.etag import (
    conditional_response,
    etag_matches,
    json_body,
    not_modified,
    strong_etag,
)
from metricx.settings import DEFAULT_RESPONSE_CACHE_BYTES
from warehouse.connection import WarehouseReader

# Key, entry and dict overhead per kept answer, counted with its body against the bound.
_ENTRY_OVERHEAD_BYTES = 400

QueryKey = tuple[tuple[str, str], ...]
CacheKey = tuple[str, str, QueryKey]  # workspace id, route path template, normalized query


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    etag: str


class ResponseCache:
    """Answers of one published version, least recently used dropped first past `max_bytes`.

    Shared by the requests of the process (thread-safe). An answer of another version than the
    one kept is neither served nor kept; a newer version empties the cache.
    """

    def __init__(self, max_bytes: int = DEFAULT_RESPONSE_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._version: str | None = None
        self._answers: OrderedDict[CacheKey, CachedAnswer] = OrderedDict()
        self._bytes = 0

    def get(self, key: CacheKey, version: str) -> CachedAnswer | None:
        with self._lock:
            self._follow(version)
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: CacheKey, version: str, answer: CachedAnswer) -> None:
        size = _size(answer)
        with self._lock:
            # Built while a newer version was published: it may hold either version's rows.
            if version != self._version or size > self.max_bytes:
                return
            if (previous := self._answers.pop(key, None)) is not None:
                self._bytes -= _size(previous)
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= _size(dropped)

    def __len__(self) -> int:
        return len(self._answers)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def _follow(self, version: str) -> None:
        # Versions are opaque: any other one is taken as the newer. A request that read the
        # previous version just before a publication empties the cache once more, no worse.
        if version != self._version:
            self._answers.clear()
            self._bytes = 0
            self._version = version


def normalized_query(query: Mapping[str, object]) -> QueryKey:
    """`query` in one spelling: sorted by name, values as text (dates in ISO 8601, enums by
    value), so equal questions share a key and different ones never do."""
    return tuple(sorted((name, _as_text(value)) for name, value in query.items()))


def _as_text(value: object) -> str:
    if isinstance(value, Enum):
        return _as_text(value.value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ",".join(repr(_as_text(item)) for item in value) + "]"
    # repr: None, 1 and "1" stay apart.
    return repr(value)


def _size(answer: CachedAnswer) -> int:
    return len(answer.body) + len(answer.etag) + _ENTRY_OVERHEAD_BYTES


class CachedResponder:
    """Answers one request of a workspace-scoped route from the cache, or builds and keeps it."""

    def __init__(
        self,
        cache: ResponseCache,
        warehouse: WarehouseReader,
        workspace_id: str,
        route: str,
        if_none_match: str | None,
    ) -> None:
        self._cache = cache
        self._warehouse = warehouse
        self._workspace_id = workspace_id
        self._route = route
        self._if_none_match = if_none_match

    def respond(self, query: Mapping[str, object], build: Callable[[], BaseModel]) -> Response:
        """The answer to `query` with its ETag (304 when `If-None-Match` matches it): kept
        from an earlier request of this published version, or `build()` and kept."""
        # Read before building: an answer built across a publication is kept under the older
        # version, which the next request drops.
        version = self._warehouse.published_version()
        key = (self._workspace_id, self._route, normalized_query(query))
        if not version:  # marts without a recorded publication: answered, never kept
            body = json_body(build())
            return conditional_response(body, strong_etag(body), self._if_none_match)
        # The answer is a function of its key and the version (the contract above), so its tag
        # is too: a client's copy is known current without building it again (or finding it
        # kept), which is what makes revalidating a page cheap whether the cache is on or off.
        etag = key_etag(key, version)
        if etag_matches(self._if_none_match, etag):
            return not_modified(etag)
        answer = self._cache.get(key, version)
        if answer is None:
            answer = CachedAnswer(json_body(build()), etag)
            self._cache.put(key, version, answer)
        return conditional_response(answer.body, answer.etag, self._if_none_match)


def key_etag(key: CacheKey, version: str) -> str:
    """The strong tag of the answer to `key` under a published version: equal keys and
    versions have equal answers, byte for byte, so they share a tag."""
    return strong_etag(repr((key, version)).encode())
