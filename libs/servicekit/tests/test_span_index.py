"""``SpanIndex`` answers what its calendar answers, inside its window and past it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.calendars import CalendarSpec
from servicekit.business_time import BusinessCalendar, SpanIndex

CALENDAR = BusinessCalendar.of(
    CalendarSpec.model_validate(
        {
            "timezone": "America/Sao_Paulo",
            "weekly": {
                "mon": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
                "tue": [{"start": "09:00", "end": "18:00"}],
                "fri": [{"start": "22:00", "end": "06:00"}],
            },
            "holidays": [{"yearly": "12-25"}],
        }
    )
)
AROUND = datetime(2018, 11, 1, tzinfo=UTC)  # São Paulo still changed its clocks then
INDEX = SpanIndex(CALENDAR, AROUND - timedelta(days=60), AROUND + timedelta(days=60))
instants = st.integers(min_value=-90 * 86400, max_value=90 * 86400).map(
    lambda s: AROUND + timedelta(seconds=s)
)
amounts = st.integers(min_value=0, max_value=200 * 3600).map(lambda s: timedelta(seconds=s))


@settings(max_examples=300, deadline=None)
@given(instants, instants)
def test_business_time_is_the_calendars(a: datetime, b: datetime) -> None:
    assert INDEX.business_time(a, b) == CALENDAR.business_time(a, b)


@settings(max_examples=300, deadline=None)
@given(instants, amounts)
def test_due_times_are_the_calendars(start: datetime, amount: timedelta) -> None:
    assert INDEX.add(start, amount) == CALENDAR.add(start, amount)
