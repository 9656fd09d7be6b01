"""Entity tags and `If-None-Match` for JSON answers (RFC 9110 §8.8.3, §13.1.2).

A route answers through `ETagged` (or `CachedResponse`, api/kit/response_cache.py, which adds a
cache) instead of returning its model: the answer carries a strong `ETag`, the hash of its body,
and a request whose `If-None-Match` lists it gets `304 Not Modified` without the body.

    @router.get("/thing", response_model=Thing, responses=NOT_MODIFIED)
    def thing(..., etagged: ETagged) -> Response:
        return etagged.respond(Thing(...))

`response_model` keeps the OpenAPI document true: the route returns a `Response`, so FastAPI
cannot infer it from the return annotation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header
from fastapi.responses import Response
from pydantic import BaseModel

# A browser may keep the answer but must revalidate it each time (with the ETag, cheaply); a
# shared cache must not keep it: it is one member's view of one workspace.
CACHE_CONTROL = "private, no-cache"
IF_NONE_MATCH_DESCRIPTION = (
    "`ETag`s of answers the client holds (comma-separated, or `*`). When one matches the "
    "current answer (weak comparison: `W/` is ignored), the answer is `304 Not Modified` "
    "without a body."
)
# For a route's `responses=`, so OpenAPI documents the 304.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: `If-None-Match` lists the current `ETag`; no body."}
}

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text; one of a
# comma-separated list (RFC 9110 §8.8.3, §5.6.1: empty list elements are allowed).
_ENTITY_TAG_IN_LIST = re.compile(r'[ \t]*(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")[ \t]*(?:,|$)')
_EMPTY_LIST_ELEMENT = re.compile(r"[ \t]*,")


def strong_etag(body: bytes) -> str:
    """A strong entity tag of `body`: equal bodies, equal tags (128 bits of BLAKE2b)."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether `If-None-Match` holds `etag`: `*`, or a list with a tag that weakly matches it
    (the opaque tags are equal, `W/` or not; RFC 9110 §13.1.2 asks the weak comparison here).
    A malformed field matches nothing, so the client gets the whole answer."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    position, end = 0, len(if_none_match)
    while position < end:
        if empty := _EMPTY_LIST_ELEMENT.match(if_none_match, position):
            position = empty.end()
            continue
        tag = _ENTITY_TAG_IN_LIST.match(if_none_match, position)
        if tag is None:
            return False
        if tag.group(1) == opaque:
            return True
        position = tag.end()
    return False


def json_body(answer: BaseModel) -> bytes:
    """The answer as FastAPI would send it for a `response_model`: by alias, compact."""
    return answer.model_dump_json(by_alias=True).encode()


def conditional_response(body: bytes, etag: str, if_none_match: str | None) -> Response:
    """200 with the JSON body, or 304 when the client's copy is current; both with the ETag
    (RFC 9110 §15.4.5: a 304 carries the headers the 200 would have)."""
    if etag_matches(if_none_match, etag):
        return not_modified(etag)
    return Response(
        body, media_type="application/json", headers={"ETag": etag, "Cache-Control": CACHE_CONTROL}
    )


def not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})


@dataclass(frozen=True)
class ConditionalGet:
    """A GET answered with an ETag, and 304 when `If-None-Match` matches it."""

    if_none_match: str | None

    def respond(self, answer: BaseModel) -> Response:
        body = json_body(answer)
        return conditional_response(body, strong_etag(body), self.if_none_match)


async def conditional_get(
    if_none_match: Annotated[str | None, Header(description=IF_NONE_MATCH_DESCRIPTION)] = None,
) -> ConditionalGet:
    return ConditionalGet(if_none_match)


ETagged = Annotated[ConditionalGet, Depends(conditional_get)]
