"""Business-time arithmetic against a plain minute-by-minute count over random calendars and
instants, around the DST changes of São Paulo (which had DST until 2019) and Lisbon, and in UTC;
then the cases a person would check by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from contracts.calendars import CalendarSpec
from servicekit.business_time import BusinessCalendar, SpanIndex

MINUTE = timedelta(minutes=1)
ZONES = ["America/Sao_Paulo", "Europe/Lisbon", "UTC"]
DST_CHANGES = [
    datetime(2015, 10, 18, 3, 0, tzinfo=UTC),  # São Paulo 00:00 → 01:00
    datetime(2016, 2, 21, 2, 0, tzinfo=UTC),  # São Paulo 00:00 → 23:00 the day before
    datetime(2017, 10, 15, 3, 0, tzinfo=UTC),
    datetime(2018, 2, 18, 2, 0, tzinfo=UTC),
    datetime(2018, 11, 4, 3, 0, tzinfo=UTC),
    datetime(2019, 2, 17, 2, 0, tzinfo=UTC),
    datetime(2016, 3, 27, 1, 0, tzinfo=UTC),  # Lisbon 01:00 → 02:00
    datetime(2016, 10, 30, 1, 0, tzinfo=UTC),  # Lisbon 02:00 → 01:00
    datetime(2019, 3, 31, 1, 0, tzinfo=UTC),
    datetime(2020, 10, 25, 1, 0, tzinfo=UTC),
]


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def openings(draw: st.DrawFn) -> dict[str, str]:
    # Starts around midnight and the DST hours on purpose, as well as anywhere.
    start = draw(st.sampled_from([0, 30, 60, 90, 1380, 1410, 1439]) | st.integers(0, 1439))
    length = draw(st.integers(1, 1439))
    end = start + length
    return {"start": clock(start), "end": "24:00" if end == 1440 else clock(end % 1440)}


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    near_change = (
        draw(st.sampled_from(DST_CHANGES)) + draw(st.integers(-4 * 1440, 2 * 1440)) * MINUTE
    )
    anywhere = datetime(2015, 1, 1, tzinfo=UTC) + draw(st.integers(0, 6 * 365 * 1440)) * MINUTE
    return draw(st.sampled_from([near_change, anywhere]))


@st.composite
def calendars(draw: st.DrawFn, around: datetime) -> dict[str, Any]:
    nearby = st.integers(-2, 6).map(lambda n: around.date() + timedelta(days=n))
    weekly = {
        day: draw(st.lists(openings(), max_size=2))
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        if draw(st.booleans())
    }
    holidays = [{"date": d.isoformat()} for d in draw(st.lists(nearby, max_size=2))]
    holidays += [{"yearly": f"{d:%m-%d}"} for d in draw(st.lists(nearby, max_size=1))]
    exceptions = {
        d: draw(st.lists(openings(), max_size=2)) for d in draw(st.lists(nearby, max_size=2))
    }
    return {
        "timezone": draw(st.sampled_from(ZONES)),
        "weekly": weekly,
        "holidays": holidays,
        "exceptions": [{"date": d.isoformat(), "hours": h} for d, h in exceptions.items()],
    }


def reference_open(spec: dict[str, Any], instant: datetime) -> bool:
    """Open when the wall-clock time falls in an opening of its date, or in one of the day
    before that runs past midnight; an exception replaces the day, a holiday closes it."""
    wall = instant.astimezone(ZoneInfo(spec["timezone"])).replace(tzinfo=None)
    minute = wall.hour * 60 + wall.minute
    for day, shift in ((wall.date(), 0), (wall.date() - timedelta(days=1), 1440)):
        for opening in reference_openings(spec, day):
            start = int(opening["start"][:2]) * 60 + int(opening["start"][3:])
            end = int(opening["end"][:2]) * 60 + int(opening["end"][3:])
            end = end if end > start else end + 1440
            if start <= minute + shift < end:
                return True
    return False


def reference_openings(spec: dict[str, Any], day: date) -> list[dict[str, str]]:
    for exception in spec["exceptions"]:
        if exception["date"] == day.isoformat():
            return list(exception["hours"])
    for holiday in spec["holidays"]:
        if holiday.get("date") == day.isoformat() or holiday.get("yearly") == f"{day:%m-%d}":
            return []
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return list(spec["weekly"].get(names[day.weekday()], []))


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=st.data(), start=instants())
def test_is_open_and_business_time_agree_with_counting_minutes(
    data: st.DataObject, start: datetime
) -> None:
    spec = data.draw(calendars(start))
    calendar = BusinessCalendar.of(CalendarSpec.model_validate(spec))
    length = data.draw(st.integers(0, 3 * 1440))
    minutes = [start + n * MINUTE for n in range(length)]
    flags = [reference_open(spec, m) for m in minutes]
    assert [calendar.is_open(m) for m in minutes[:: max(1, length // 200)]] == flags[
        :: max(1, length // 200)
    ]
    assert calendar.business_time(start, start + length * MINUTE) == sum(flags) * MINUTE


@PROPERTY
@given(data=st.data(), start=instants())
def test_the_due_time_is_where_the_minute_count_reaches_the_target(
    data: st.DataObject, start: datetime
) -> None:
    spec = data.draw(calendars(start))
    calendar = BusinessCalendar.of(CalendarSpec.model_validate(spec))
    target = data.draw(st.integers(0, 900))
    due, counted, minute = None, 0, start
    while counted < target and minute < start + timedelta(days=14):
        counted += reference_open(spec, minute)
        minute += MINUTE
    if counted == target:
        due = minute
    assume(due is not None)
    assert calendar.add(start, target * MINUTE) == due


@PROPERTY
@given(data=st.data(), start=instants())
def test_positions_on_an_index_are_ordinals_of_business_time(
    data: st.DataObject, start: datetime
) -> None:
    """A position written down as text by one process (the scanner's ordinal of a due time)
    and a position of "now" on another index over the same window (a reader's) differ by
    the business time between them, signed, as the minute count gives it."""
    spec = data.draw(calendars(start))
    calendar = BusinessCalendar.of(CalendarSpec.model_validate(spec))
    window = timedelta(days=data.draw(st.integers(3, 8)))
    written, reading = (
        SpanIndex(calendar, start, start + window),
        SpanIndex(BusinessCalendar.of(CalendarSpec.model_validate(spec)), start, start + window),
    )
    due = start + data.draw(st.integers(0, 2 * 1440)) * MINUTE
    now = start + data.draw(st.integers(0, 2 * 1440)) * MINUTE
    stored = written.position(due)
    placed = reading.position(now)
    assert stored is not None and placed is not None
    low, high = min(now, due), max(now, due)
    counted = sum(reference_open(spec, low + n * MINUTE) for n in range((high - low) // MINUTE))
    expected = counted * 60 if due >= now else -counted * 60
    assert float(repr(stored)) - placed == expected


def weekdays_9_to_18(**more: Any) -> BusinessCalendar:
    days = ("mon", "tue", "wed", "thu", "fri")
    spec = {
        "timezone": "America/Sao_Paulo",
        "weekly": {d: [{"start": "09:00", "end": "18:00"}] for d in days},
    }
    return BusinessCalendar.of(CalendarSpec.model_validate(spec | more))


def sao_paulo(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("America/Sao_Paulo"))  # type: ignore[misc]


def test_thirty_minutes_from_friday_17_50_is_monday_09_20() -> None:
    due = weekdays_9_to_18().add(sao_paulo(2026, 11, 27, 17, 50), timedelta(minutes=30))
    assert due == sao_paulo(2026, 11, 30, 9, 20)


def test_a_holiday_and_a_special_opening_move_the_due_time() -> None:
    calendar = weekdays_9_to_18(
        holidays=[{"yearly": "12-25"}],
        exceptions=[{"date": "2026-12-26", "hours": [{"start": "10:00", "end": "12:00"}]}],
    )
    # Thursday 24th 17:00 + 2 h: an hour on the 24th, Christmas closed, Saturday opens at 10.
    due = calendar.add(sao_paulo(2026, 12, 24, 17, 0), timedelta(hours=2))
    assert due == sao_paulo(2026, 12, 26, 11, 0)


def test_a_night_shift_crossing_midnight_counts_on_the_day_it_starts() -> None:
    spec = {"timezone": "UTC", "weekly": {"fri": [{"start": "22:00", "end": "06:00"}]}}
    calendar = BusinessCalendar.of(CalendarSpec.model_validate(spec))
    friday = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    assert calendar.is_open(friday + timedelta(hours=6))  # Saturday 05:00
    assert not calendar.is_open(friday + timedelta(hours=7))
    assert calendar.add(friday, timedelta(hours=8)) == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)


def test_a_calendar_that_never_opens_has_no_due_time() -> None:
    closed = BusinessCalendar.of(CalendarSpec.model_validate({"timezone": "UTC"}))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert closed.add(start, timedelta(minutes=1)) is None
    assert closed.add_days(start, 1) is None
    assert not closed.is_open(start)


def test_a_lone_special_opening_years_ahead_is_still_found() -> None:
    spec = {
        "timezone": "UTC",
        "exceptions": [{"date": "2029-06-01", "hours": [{"start": "09:00", "end": "10:00"}]}],
    }
    calendar = BusinessCalendar.of(CalendarSpec.model_validate(spec))
    due = calendar.add(datetime(2026, 1, 1, tzinfo=UTC), timedelta(minutes=30))
    assert due == datetime(2029, 6, 1, 9, 30, tzinfo=UTC)


def test_business_hours_across_the_night_clocks_went_back_in_sao_paulo() -> None:
    # 2016-02-20 23:00–24:00 happened twice: an opening over it lasts two real hours.
    spec = {
        "timezone": "America/Sao_Paulo",
        "weekly": {"sat": [{"start": "23:00", "end": "24:00"}]},
    }
    calendar = BusinessCalendar.of(CalendarSpec.model_validate(spec))
    day = datetime(2016, 2, 20, 12, 0, tzinfo=UTC)
    assert calendar.business_time(day, day + timedelta(days=1)) == timedelta(hours=2)


def test_business_days_keep_the_point_of_the_working_day() -> None:
    calendar = weekdays_9_to_18()
    assert calendar.add_days(sao_paulo(2026, 11, 27, 17, 50), 1) == sao_paulo(2026, 11, 30, 17, 50)
    assert calendar.add_days(sao_paulo(2026, 11, 28, 11, 0), 1) == sao_paulo(2026, 11, 30, 18, 0)
    assert calendar.add_days(sao_paulo(2026, 11, 30, 8, 0), 2) == sao_paulo(2026, 12, 1, 18, 0)
    assert calendar.add_days(sao_paulo(2026, 11, 30, 19, 0), 1) == sao_paulo(2026, 12, 1, 18, 0)


@PROPERTY
@given(data=st.data(), start=instants())
def test_the_business_time_up_to_a_due_time_is_the_amount_added(
    data: st.DataObject, start: datetime
) -> None:
    # Far beyond what counting minutes can check: up to 40 business hours, across weeks.
    spec = data.draw(calendars(start))
    calendar = BusinessCalendar.of(CalendarSpec.model_validate(spec))
    amount = data.draw(st.integers(1, 40 * 60)) * MINUTE
    due = calendar.add(start, amount)
    assume(due is not None)
    assert calendar.business_time(start, due) == amount
    assert calendar.business_time(start, due - timedelta(seconds=1)) < amount
