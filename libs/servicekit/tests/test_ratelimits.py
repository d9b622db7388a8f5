"""A RateLimit refuses a key once its minute's events are used up, and lets a key with no
recent event through without asking ``limits`` (servicekit.ratelimits)."""

from __future__ import annotations

import pytest
from starlette.exceptions import HTTPException

from servicekit import ratelimits
from servicekit.ratelimits import RateLimit


def test_a_key_is_refused_once_its_events_are_used_up_and_others_are_not() -> None:
    limit = RateLimit("test", 3, "too many")
    for _ in range(3):
        limit.refuse_if_exhausted("a")
        limit.hit("a")
    with pytest.raises(HTTPException) as refused:
        limit.refuse_if_exhausted("a")
    assert refused.value.status_code == 429
    assert int(refused.value.headers["Retry-After"]) >= 1
    limit.refuse_if_exhausted("b")  # another key has its own minute


def test_take_counts_and_refuses() -> None:
    limit = RateLimit("test", 2, "too many")
    limit.take("a")
    limit.take("a")
    with pytest.raises(HTTPException):
        limit.take("a")


def test_a_key_quiet_for_longer_than_the_window_is_let_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit = RateLimit("test", 1, "too many")
    limit.hit("a")
    with pytest.raises(HTTPException):
        limit.refuse_if_exhausted("a")
    later = ratelimits.time.time() + ratelimits.QUIET_AFTER_SECONDS + 1
    monkeypatch.setattr(ratelimits.time, "time", lambda: later)
    limit.refuse_if_exhausted("a")  # its one event has left the window


def test_quiet_keys_are_forgotten_when_many_are_remembered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimits, "FORGET_ABOVE", 3)
    limit = RateLimit("test", 5, "too many")
    for key in ("a", "b", "c"):
        limit.hit(key)
    limit._last_event["a"] -= ratelimits.QUIET_AFTER_SECONDS + 1  # as if a minute ago
    limit.hit("d")
    assert sorted(limit._last_event) == ["b", "c", "d"]
