"""The time a service reads, as something it is given rather than something it reaches for.

Leases (outbox claims, mail claims, the most-available lock), auto-close and digests depend on
the time. A store or use case takes a ``Clock`` so a test can move time forward with
``ManualClock.advance`` instead of sleeping until a lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Returns the current instant, always timezone-aware (UTC)."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def epoch_seconds(clock: Clock) -> float:
    """The clock's instant as seconds since the epoch, for stores that keep times as numbers."""
    return clock().timestamp()


class ManualClock:
    """A clock that stands still until told to move: for tests."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("a ManualClock needs a timezone-aware start")

    def __call__(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
