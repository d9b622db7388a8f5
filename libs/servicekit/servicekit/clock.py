"""The time a service reads, as something it is given rather than something it reaches for.

Leases (outbox claims, mail claims, the most-available lock), auto-close and digests depend on
the time. A store or use case takes a ``Clock`` so a test can move time forward with
``ManualClock.advance`` instead of sleeping until a lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


class FileOffsetClock:
    """The system time moved forward by the number of seconds written in a file: how the
    cross-service tests make hours of business time pass in a second across every replica of a
    service at once (they share the file). Development and tests only: a service's settings
    refuse it in production. Reads the file again when it changes (its modification time)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: int | None = None
        self._offset = timedelta()

    def __call__(self) -> datetime:
        try:
            stamp = self._path.stat().st_mtime_ns
        except FileNotFoundError:
            return system_clock()
        if stamp != self._stamp:
            text = self._path.read_text().strip()
            self._offset = timedelta(seconds=float(text or 0))
            self._stamp = stamp
        return system_clock() + self._offset
