"""`If-None-Match` against an answer's ETag, as RFC 9110 §13.1.2 compares them."""

from __future__ import annotations

import pytest

from api.kit.etag import etag_matches, strong_etag

CURRENT = strong_etag(b'{"spend":"1.00"}')
OPAQUE = CURRENT.strip('"')


def test_equal_bodies_have_equal_strong_tags_and_others_differ() -> None:
    assert strong_etag(b'{"spend":"1.00"}') == CURRENT
    assert strong_etag(b'{"spend":"1.01"}') != CURRENT
    assert CURRENT.startswith('"') and CURRENT.endswith('"') and not CURRENT.startswith("W/")


@pytest.mark.parametrize(
    "if_none_match",
    [
        CURRENT,
        f"W/{CURRENT}",  # weak comparison: the W/ of the client's tag does not matter
        f'"older", {CURRENT}',
        f'W/"older",W/{CURRENT}',
        f' "older" ,\t{CURRENT} ',
        f'"older", , {CURRENT}',  # empty list elements are allowed
        "*",
        " * ",
    ],
)
def test_a_field_listing_the_current_tag_matches(if_none_match: str) -> None:
    assert etag_matches(if_none_match, CURRENT)


@pytest.mark.parametrize(
    "if_none_match",
    [
        None,
        "",
        '"older"',
        '"older", W/"oldest"',
        OPAQUE,  # unquoted: not an entity tag
        f'"{OPAQUE}x"',
        f'"x{OPAQUE}"',
        f'"a,{OPAQUE}"',  # a comma inside a tag belongs to the tag
        f"garbage, {CURRENT}",  # malformed: the whole answer, never a wrong 304
        f"w/{CURRENT}",  # W/ is case-sensitive
        '"*", "older"',
    ],
)
def test_a_field_without_the_current_tag_does_not_match(if_none_match: str | None) -> None:
    assert not etag_matches(if_none_match, CURRENT)
