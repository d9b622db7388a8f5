"""A ticket's SLA track as it changes, and its reading under a level's policy: what answers
the customer, pauses, re-armed next-response clocks, warnings once per clock, and the basis
that tells a recomputation."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from contracts.calendars import CalendarSpec
from contracts.sla import SlaPolicy
from ticketing.domain import sla

SP = ZoneInfo("America/Sao_Paulo")
NINE_TO_SIX = CalendarSpec.model_validate(
    {
        "timezone": "America/Sao_Paulo",
        "weekly": {
            d: [{"start": "09:00", "end": "18:00"}] for d in ("mon", "tue", "wed", "thu", "fri")
        },
    }
)
FRIDAY_1750 = datetime(2026, 11, 27, 17, 50, tzinfo=SP)
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def policy(calendar: CalendarSpec | None = None, **targets: object) -> sla.Policy:
    body = {"first_response": {"amount": 30, "unit": "minutes"}, **targets}
    chosen = sla.policy_for(SlaPolicy.model_validate(body), calendar, level="n1", priority="medium")
    assert chosen is not None
    return chosen


def track(*statuses: tuple[datetime, str], **values: object) -> sla.Track:
    return dataclasses.replace(sla.Track(statuses=statuses), **values)  # type: ignore[arg-type]


def outbound(**fields: object) -> SimpleNamespace:
    return SimpleNamespace(direction="outbound", **fields)


def test_friday_1750_with_thirty_minutes_on_weekday_hours_is_due_monday_0920() -> None:
    reading = sla.read(
        track((FRIDAY_1750, "new")),
        opened_at=FRIDAY_1750,
        status="new",
        policy=policy(NINE_TO_SIX),
        now=FRIDAY_1750 + timedelta(minutes=5),
    )
    due = datetime(2026, 11, 30, 9, 20, tzinfo=SP)
    assert reading.clocks["first_response"].due == due
    assert reading.due_at == due
    assert reading.band == "green"


def test_a_pending_ticket_keeps_its_time_left_however_long_it_waits() -> None:
    opened = track((T0, "open"), (T0 + timedelta(minutes=10), "pending"))
    reading = sla.read(
        opened, opened_at=T0, status="pending", policy=policy(), now=T0 + timedelta(hours=5)
    )
    first = reading.clocks["first_response"]
    assert first.paused and first.left == timedelta(minutes=20)
    assert reading.next_at is None  # nothing changes while it waits


def test_the_red_warning_and_the_breach_each_come_once() -> None:
    opened = track((T0, "open"))
    at_red = sla.read(
        opened, opened_at=T0, status="open", policy=policy(), now=T0 + timedelta(minutes=25)
    )
    assert at_red.warnings == [("first_response", "red")]
    warned = dataclasses.replace(opened, warned=at_red.warned)
    again = sla.read(
        warned, opened_at=T0, status="open", policy=policy(), now=T0 + timedelta(minutes=26)
    )
    assert again.warnings == []
    late = sla.read(
        warned, opened_at=T0, status="open", policy=policy(), now=T0 + timedelta(minutes=31)
    )
    assert late.warnings == [("first_response", "breached")]
    assert late.band == "overdue"


def test_a_ticket_found_late_is_warned_of_the_breach_alone() -> None:
    reading = sla.read(
        track((T0, "open")),
        opened_at=T0,
        status="open",
        policy=policy(),
        now=T0 + timedelta(hours=1),
    )
    assert reading.warnings == [("first_response", "breached")]


def test_the_next_band_change_is_when_the_scanner_looks_again() -> None:
    reading = sla.read(track((T0, "open")), opened_at=T0, status="open", policy=policy(), now=T0)
    assert reading.next_at == T0 + timedelta(minutes=15)  # yellow at half of 30 minutes


def test_what_answers_the_customer() -> None:
    assert sla.counts_as_response(outbound())  # an echo imported from a network
    assert sla.counts_as_response(outbound(delivery={"state": "sent"}))
    assert not sla.counts_as_response(outbound(delivery={"state": "pending"}))
    assert not sla.counts_as_response(outbound(delivery={"state": "failed"}))
    assert not sla.counts_as_response(outbound(internal=True))
    assert not sla.counts_as_response(SimpleNamespace(direction="inbound"))


def test_a_customer_message_after_a_response_starts_a_next_response_clock_and_rearms_it() -> None:
    opened = track((T0, "open"))
    responded = sla.answered(opened, inbound=False, responds=True, at=T0 + timedelta(minutes=5))
    assert responded.first_response_at == T0 + timedelta(minutes=5)
    asked = sla.answered(responded, inbound=True, responds=False, at=T0 + timedelta(hours=1))
    assert (asked.awaiting_since, asked.arm) == (T0 + timedelta(hours=1), 1)
    twice = sla.answered(asked, inbound=True, responds=False, at=T0 + timedelta(hours=2))
    assert twice == asked  # still waiting for the desk: the same clock
    answered = sla.answered(asked, inbound=False, responds=True, at=T0 + timedelta(hours=3))
    assert answered.answered_at == T0 + timedelta(hours=3)
    again = sla.answered(answered, inbound=True, responds=False, at=T0 + timedelta(hours=4))
    assert again.arm == 2 and again.answered_at is None


def test_each_next_response_clock_is_warned_about_on_its_own() -> None:
    rules = policy(next_response={"amount": 10, "unit": "minutes"})
    first = track((T0, "open"), first_response_at=T0, awaiting_since=T0, arm=1)
    one = sla.read(first, opened_at=T0, status="open", policy=rules, now=T0 + timedelta(minutes=11))
    assert ("next_response", "breached") in one.warnings
    rearmed = dataclasses.replace(
        first, warned=one.warned, awaiting_since=T0 + timedelta(hours=1), arm=2
    )
    two = sla.read(
        rearmed, opened_at=T0, status="open", policy=rules, now=T0 + timedelta(hours=1, minutes=11)
    )
    assert ("next_response", "breached") in two.warnings


def test_resolving_stops_the_clocks() -> None:
    rules = policy(resolution={"amount": 1, "unit": "hours"})
    done = track((T0, "open"), (T0 + timedelta(minutes=10), "resolved"))
    reading = sla.read(
        done, opened_at=T0, status="resolved", policy=rules, now=T0 + timedelta(days=2)
    )
    assert reading.clocks["resolution"].met_at == T0 + timedelta(minutes=10)
    assert reading.band is None and reading.next_at is None and reading.warnings == []


def test_business_days_are_the_same_point_of_the_working_day_later() -> None:
    rules = policy(NINE_TO_SIX, first_response=None, resolution={"amount": 1, "unit": "days"})
    reading = sla.read(
        track((FRIDAY_1750, "new")),
        opened_at=FRIDAY_1750,
        status="new",
        policy=rules,
        now=FRIDAY_1750,
    )
    assert reading.clocks["resolution"].due == datetime(2026, 11, 30, 17, 50, tzinfo=SP)


def test_a_change_of_calendar_changes_the_basis() -> None:
    assert policy(NINE_TO_SIX).basis != policy(None).basis
    assert policy(NINE_TO_SIX).basis == policy(NINE_TO_SIX).basis


def test_a_new_status_level_or_priority_asks_for_a_new_reading() -> None:
    seen = sla.noticed(
        sla.Track(), status="new", level="n1", priority="medium", opened_at=T0, at=T0
    )
    assert seen.statuses == ((T0, "new"),) and seen.next_at == T0
    read = dataclasses.replace(seen, next_at=None)
    later = T0 + timedelta(hours=1)
    same = sla.noticed(read, status="new", level="n1", priority="medium", opened_at=T0, at=later)
    assert same is read
    moved = sla.noticed(read, status="new", level="n2", priority="medium", opened_at=T0, at=later)
    assert moved.next_at == later
    paused = sla.noticed(
        read, status="pending", level="n1", priority="medium", opened_at=T0, at=later
    )
    assert paused.statuses[-1] == (later, "pending")


def test_a_whole_day_opening_is_accepted_and_an_empty_one_refused() -> None:
    whole = CalendarSpec.model_validate(
        {"timezone": "UTC", "weekly": {"mon": [{"start": "00:00", "end": "24:00"}]}}
    )
    assert whole.weekly["mon"][0].minutes() == (0, 1440)
    for start, end in (("09:00", "09:00"), ("00:00", "00:00")):
        try:
            CalendarSpec.model_validate(
                {"timezone": "UTC", "weekly": {"mon": [{"start": start, "end": end}]}}
            )
        except ValueError:
            continue
        raise AssertionError(f"{start}–{end} was accepted")
