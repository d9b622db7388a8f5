from datetime import UTC, datetime

import pytest

from servicekit.clock import Clock, ManualClock, epoch_seconds, system_clock


def test_a_manual_clock_stands_still_until_advanced() -> None:
    clock = ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    assert clock() == clock()
    clock.advance(90)
    assert clock() == datetime(2026, 3, 1, 9, 1, 30, tzinfo=UTC)
    assert epoch_seconds(clock) == datetime(2026, 3, 1, 9, 1, 30, tzinfo=UTC).timestamp()


def test_a_manual_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 3, 1, 9, 0))


def test_the_system_clock_is_timezone_aware() -> None:
    clock: Clock = system_clock
    assert clock().tzinfo is not None
