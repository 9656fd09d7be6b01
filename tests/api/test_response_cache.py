"""The response cache alone: one published version at a time, bounded in bytes, LRU."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from api.kit.response_cache import CachedAnswer, CacheKey, ResponseCache, normalized_query

ROUTE = "/v1/workspaces/{workspace_id}/spend/daily"


def _key(workspace_id: str, **query: object) -> CacheKey:
    return (workspace_id, ROUTE, normalized_query(query))


def _answer(size: int, tag: str = "a") -> CachedAnswer:
    return CachedAnswer(b"x" * size, f'"{tag}"')


def test_an_answer_is_served_for_its_version_only_and_a_new_version_drops_all() -> None:
    cache = ResponseCache()
    key = _key("w1", start=date(2026, 11, 1))
    cache.get(key, "v1")
    cache.put(key, "v1", _answer(10))
    cache.put(_key("w2", start=date(2026, 11, 1)), "v1", _answer(10))

    assert cache.get(key, "v1") == _answer(10)
    assert cache.get(key, "v2") is None
    assert len(cache) == 0 and cache.size_bytes == 0
    assert cache.get(key, "v1") is None  # a stale reader does not bring the old answers back


def test_an_answer_built_under_an_older_version_is_not_kept() -> None:
    cache = ResponseCache()
    key = _key("w1")
    cache.get(key, "v2")
    cache.put(key, "v1", _answer(10))
    assert cache.get(key, "v2") is None


def test_the_least_recently_used_answers_go_first_past_the_bound() -> None:
    cache = ResponseCache(max_bytes=3_000)
    first, second, third = (_key("w1", start=date(2026, 11, day)) for day in (1, 2, 3))
    cache.get(first, "v1")
    cache.put(first, "v1", _answer(500))
    cache.put(second, "v1", _answer(500))
    assert cache.get(first, "v1") is not None  # now more recent than `second`
    cache.put(third, "v1", _answer(1_000))

    assert cache.get(second, "v1") is None
    assert cache.get(first, "v1") is not None and cache.get(third, "v1") is not None
    assert cache.size_bytes <= cache.max_bytes


def test_an_answer_larger_than_the_bound_is_not_kept() -> None:
    cache = ResponseCache(max_bytes=1_000)
    key = _key("w1")
    cache.get(key, "v1")
    cache.put(key, "v1", _answer(2_000))
    assert len(cache) == 0


class Range(StrEnum):
    LAST_7_DAYS = "last_7_days"


def test_equal_queries_share_a_key_and_different_ones_do_not() -> None:
    assert normalized_query({"start": date(2026, 11, 1), "range": Range.LAST_7_DAYS}) == (
        normalized_query({"range": "last_7_days", "start": date(2026, 11, 1)})
    )
    different = [
        {"start": date(2026, 11, 1)},
        {"start": date(2026, 11, 2)},
        {"start": "2026-11-01"},  # a text is not the date it spells
        {"end": date(2026, 11, 1)},
        {"start": date(2026, 11, 1), "end": None},
        {"start": date(2026, 11, 1), "end": "None"},
        {"ids": ["a,b"]},
        {"ids": ["a", "b"]},
    ]
    assert len({normalized_query(query) for query in different}) == len(different)
