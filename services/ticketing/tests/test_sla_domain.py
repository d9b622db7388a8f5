"""SLA clocks over a ticket's timeline in business time: the issue's Friday example, pauses,
bands, met and breached targets."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.calendars import CalendarSpec
from contracts.sla import SlaPolicy, SlaTarget
from servicekit.business_time import BusinessCalendar, always_open
from ticketing.domain.sla import clock, pauses

SP = ZoneInfo("America/Sao_Paulo")
WEEKDAYS = BusinessCalendar.of(
    CalendarSpec.model_validate(
        {
            "timezone": "America/Sao_Paulo",
            "weekly": {
                d: [{"start": "09:00", "end": "18:00"}] for d in ("mon", "tue", "wed", "thu", "fri")
            },
        }
    )
)
HALF_HOUR = timedelta(minutes=30)


def sp(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 2026-11-30 (27 is the Friday before), in São Paulo."""
    start = datetime(2026, 11 if 26 < day <= 30 else 12, day, hour, tzinfo=SP)
    return start + timedelta(minutes=minute)


def test_opened_friday_17_50_with_thirty_minutes_is_due_monday_09_20() -> None:
    found = clock(calendar=WEEKDAYS, target=HALF_HOUR, started_at=sp(27, 17, 50), now=sp(28, 12))
    assert found.due == sp(30, 9, 20)
    assert (found.used, found.left, found.band) == (
        timedelta(minutes=10),
        timedelta(minutes=20),
        "green",
    )


def test_a_pending_ticket_stands_still_and_the_due_time_moves_by_the_pause() -> None:
    waiting = pauses(
        [(sp(30, 9), "open"), (sp(30, 9, 10), "pending"), (sp(30, 10, 10), "open")],
        ["pending", "on_hold"],
    )
    assert waiting == [(sp(30, 9, 10), sp(30, 10, 10))]
    during = clock(
        calendar=WEEKDAYS, target=HALF_HOUR, started_at=sp(30, 9), now=sp(30, 9, 40), paused=waiting
    )
    assert (during.paused, during.due, during.used) == (True, None, timedelta(minutes=10))
    after = clock(
        calendar=WEEKDAYS,
        target=HALF_HOUR,
        started_at=sp(30, 9),
        now=sp(30, 10, 20),
        paused=waiting,
    )
    assert (after.due, after.used, after.band) == (sp(30, 10, 30), timedelta(minutes=20), "yellow")


def test_the_band_turns_red_at_80_percent_and_overdue_once_the_target_runs_out() -> None:
    def band_at(minute: int) -> str:
        return clock(
            calendar=WEEKDAYS,
            target=timedelta(minutes=100),
            started_at=sp(30, 9),
            now=sp(30, 9, minute),
        ).band

    assert [band_at(m) for m in (49, 50, 79, 80, 100, 101)] == [
        "green",
        "yellow",
        "yellow",
        "red",
        "red",
        "overdue",
    ]
    late = clock(calendar=WEEKDAYS, target=HALF_HOUR, started_at=sp(30, 9), now=sp(30, 11))
    assert (late.breached_at, late.due, late.left) == (
        sp(30, 9, 30),
        sp(30, 9, 30),
        timedelta(minutes=-90),
    )


def test_an_answer_in_time_is_met_and_a_late_one_records_the_breach() -> None:
    in_time = clock(
        calendar=WEEKDAYS,
        target=HALF_HOUR,
        started_at=sp(27, 17, 50),
        now=sp(30, 12),
        stopped_at=sp(30, 9, 20),
    )
    assert (in_time.met_at, in_time.breached_at, in_time.due) == (sp(30, 9, 20), None, None)
    late = clock(
        calendar=WEEKDAYS,
        target=HALF_HOUR,
        started_at=sp(27, 17, 50),
        now=sp(30, 12),
        stopped_at=sp(30, 9, 21),
    )
    assert (late.met_at, late.breached_at, late.band) == (None, sp(30, 9, 20), "overdue")


def test_a_level_without_a_calendar_counts_every_minute() -> None:
    found = clock(
        calendar=always_open(), target=HALF_HOUR, started_at=sp(28, 23, 50), now=sp(28, 23, 55)
    )
    assert found.due == sp(29, 0, 20)


def test_a_priority_can_have_its_own_targets_and_falls_back_to_the_levels() -> None:
    policy = SlaPolicy.model_validate(
        {
            "first_response": {"amount": 4, "unit": "hours"},
            "resolution": {"amount": 16, "unit": "hours"},
            "by_priority": {"urgent": {"first_response": {"amount": 30}}},
        }
    )
    urgent = policy.targets_for("urgent")
    assert urgent.first_response == SlaTarget(amount=30)
    assert urgent.resolution is not None and urgent.resolution.minutes() == 16 * 60
    assert policy.targets_for("low").first_response == SlaTarget(amount=4, unit="hours")


def test_bands_out_of_order_are_refused_saying_so() -> None:
    with pytest.raises(ValueError, match=r"yellow_at .* must come before red_at"):
        SlaPolicy.model_validate({"yellow_at": 0.9, "red_at": 0.8})
