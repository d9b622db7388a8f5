"""The report arithmetic (ticketing.domain.reports): time buckets and percentiles, local days
and weeks, what a ticket contributes, the first response rule, and the backlog."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.calendars import CalendarSpec
from contracts.interaction import Author, Channel, Direction, Interaction, Kind
from contracts.replies import Delivery, DeliveryState
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit.business_time import BusinessCalendar
from ticketing.domain import report_facts, reports
from ticketing.domain.reports import CountRow, ReportRange, TicketFacts
from ticketing.domain.status import Status
from ticketing.domain.tickets import Ticket

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)


@given(st.integers(min_value=0, max_value=10**9))
def test_a_time_falls_in_a_bucket_at_most_a_32nd_wide(seconds: int) -> None:
    low, high = reports.bucket_bounds(reports.time_bucket(seconds))
    assert low <= seconds <= high
    assert high - low <= max(0, seconds / 32)


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=60))
def test_percentiles_read_back_are_within_a_64th_of_the_nearest_rank_value(
    values: list[int],
) -> None:
    histogram = Counter(reports.time_bucket(v) for v in values)
    for fraction in (0.5, 0.9):
        exact = sorted(values)[math.ceil(fraction * len(values)) - 1]
        found = reports.percentile(histogram, fraction)
        assert found is not None
        assert abs(found - exact) <= exact / 64 + 0.5


def test_a_percentile_of_nothing_is_none() -> None:
    assert reports.percentile({}, 0.5) is None


def test_hours_fold_into_local_days_where_the_zone_says_the_day_begins() -> None:
    span = ReportRange(SAO_PAULO, date(2026, 6, 1), date(2026, 6, 2), "day")
    # 02:00 UTC on June 2nd is still June 1st in São Paulo (UTC-3).
    late = reports.epoch_hour(datetime(2026, 6, 2, 2, 0, tzinfo=UTC))
    morning = reports.epoch_hour(datetime(2026, 6, 2, 3, 0, tzinfo=UTC))
    assert span.period_of(late) == date(2026, 6, 1)
    assert span.period_of(morning) == date(2026, 6, 2)
    assert span.first_hour == reports.epoch_hour(datetime(2026, 6, 1, 3, 0, tzinfo=UTC))
    assert span.end_hour == reports.epoch_hour(datetime(2026, 6, 3, 3, 0, tzinfo=UTC))


def test_weeks_begin_on_monday_and_are_cut_at_the_range() -> None:
    span = ReportRange(ZoneInfo("UTC"), date(2026, 6, 3), date(2026, 6, 16), "week")
    assert span.periods() == [date(2026, 6, 1), date(2026, 6, 8), date(2026, 6, 15)]
    assert span.period_end_hour(date(2026, 6, 15)) == reports.epoch_hour(
        datetime(2026, 6, 17, tzinfo=UTC)
    )


def test_zones_off_the_quarter_hour_and_backwards_ranges_are_refused() -> None:
    # Amsterdam kept its local mean time (+0:19:32) until 1937.
    assert "whole number of quarter hours" in (
        reports.range_problem(ZoneInfo("Europe/Amsterdam"), date(1920, 6, 1), date(1920, 6, 2))
        or ""
    )
    for zone in ("Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"):
        assert reports.range_problem(ZoneInfo(zone), date(2026, 6, 1), date(2026, 6, 2)) is None
    assert reports.range_problem(SAO_PAULO, date(2026, 6, 2), date(2026, 6, 1))
    assert reports.range_problem(SAO_PAULO, date(2025, 1, 1), date(2026, 6, 1))
    assert reports.range_problem(SAO_PAULO, date(2026, 1, 1), date(2026, 6, 1)) is None


def test_a_zone_off_the_whole_hour_is_read_in_quarter_hours_split_at_its_midnight() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    assert reports.unit_for(kolkata, date(2026, 6, 1), date(2026, 6, 2)) == reports.QUARTER
    assert reports.unit_for(SAO_PAULO, date(2026, 6, 1), date(2026, 6, 2)) == reports.HOUR
    span = ReportRange(kolkata, date(2026, 6, 1), date(2026, 6, 2), "day", reports.QUARTER)
    # Midnight in Kolkata (+5:30) is 18:30 UTC: the quarter before is still June 1st there.
    before = reports.epoch_hour(datetime(2026, 6, 1, 18, 15, tzinfo=UTC), reports.QUARTER)
    assert span.period_of(before) == date(2026, 6, 1)
    assert span.period_of(before + 1) == date(2026, 6, 2)
    assert span.first_hour == reports.epoch_hour(
        datetime(2026, 5, 31, 18, 30, tzinfo=UTC), reports.QUARTER
    )
    assert span.series(reports.OPENED) == "opened@q"
    assert reports.daily_plan(span) is None
    [segment] = span.segments()
    assert (segment.shift, segment.width) == (22, 96)  # 5:30 in quarters; a day of them
    # A store groups a quarter q as (q + shift) // width and answers group × width − shift.
    for quarter, day in ((before, date(2026, 6, 1)), (before + 1, date(2026, 6, 2))):
        assert segment.period_start((quarter + 22) // 96 * 96 - 22) == day


def test_facts_kept_before_quarter_counters_gain_them_when_projected_again() -> None:
    old = TicketFacts("basic", "new", "normal", "email", "brand", "", "email:a", T0, quarters=False)
    delta = reports.difference(old, dataclasses.replace(old, quarters=True))
    assert delta
    assert {c.series for c in delta} == {"opened@q", "authors@q"}
    assert all(n == 1 for n in delta.values())


def test_unique_authors_count_an_author_once_per_period_and_once_in_the_total() -> None:
    span = ReportRange(ZoneInfo("UTC"), date(2026, 6, 1), date(2026, 6, 1), "day")
    h = reports.epoch_hour(T0)
    rows = [
        CountRow(h, "instagram", "", "instagram:ana", 2),
        CountRow(h + 1, "instagram", "", "instagram:ana", 1),
        CountRow(h, "email", "", "instagram:ana", 1),
        CountRow(h, "email", "", "email:bia", 1),
    ]
    per_value, totals = reports.distinct_authors(rows, span)
    assert per_value[date(2026, 6, 1)] == {"instagram": 1, "email": 2}
    assert totals[date(2026, 6, 1)] == 2


def test_a_status_change_moves_one_count_and_leaves_the_rest() -> None:
    before = TicketFacts("basic", "new", "normal", "email", "brand", "", "email:a", T0)
    after = TicketFacts("basic", "open", "normal", "email", "brand", "", "email:a", T0)
    delta = reports.difference(before, after)
    assert {(c.series, c.dim, c.value): n for c, n in delta.items() if c.level == "basic"} == {
        ("opened", "status", "new"): -1,
        ("opened", "status", "open"): 1,
        ("authors", "status", "new"): -1,
        ("authors", "status", "open"): 1,
        ("opened@day", "status", "new"): -1,
        ("opened@day", "status", "open"): 1,
        ("opened@q", "status", "new"): -1,
        ("opened@q", "status", "open"): 1,
        ("authors@q", "status", "new"): -1,
        ("authors@q", "status", "open"): 1,
    }
    assert {c.level for c in delta} == {"basic", reports.EVERY_LEVEL}
    assert reports.difference(after, after) == {}


def test_the_backlog_is_what_was_opened_and_not_yet_done_at_each_period_end() -> None:
    span = ReportRange(ZoneInfo("UTC"), date(2026, 6, 1), date(2026, 6, 3), "day")
    day2 = reports.epoch_hour(datetime(2026, 6, 2, 10, tzinfo=UTC))
    opened = [CountRow(None, "basic", "basic", "", 5), CountRow(day2, "basic", "basic", "", 2)]
    done = [CountRow(None, "basic", "basic", "", 1), CountRow(day2 + 30, "basic", "basic", "", 3)]
    assert reports.backlog(opened, done, span) == {
        date(2026, 6, 1): {"basic": 4},
        date(2026, 6, 2): {"basic": 6},
        date(2026, 6, 3): {"basic": 3},
    }


def _stored(
    direction: Direction, minutes: int, delivery: Delivery | None = None
) -> StoredInteraction:
    interaction = Interaction(
        channel=Channel.EMAIL,
        account="brand",
        external_id=uuid4().hex,
        kind=Kind.EMAIL,
        direction=direction,
        author=Author(id="ana@x.com"),
        occurred_at=T0 + timedelta(minutes=minutes),
    )
    return StoredInteraction(
        id=uuid4(), ticket_id=None, received_at=T0, interaction=interaction, delivery=delivery
    )


def _ticket(status: Status = Status.OPEN, level: str | None = "basic") -> Ticket:
    return Ticket(
        id=uuid4(),
        title="t",
        status=status,
        priority="normal",
        level=level,
        assignee=None,
        tags=(),
        channel="email",
        account="brand",
        thread_key="k",
        opened_by="system",
        opened_at=T0,
        updated_at=T0 + timedelta(hours=5),
    )


def test_the_first_response_is_the_first_reply_the_network_took_when_it_took_it() -> None:
    interactions = [
        _stored(Direction.INBOUND, 0),
        _stored(Direction.OUTBOUND, 4, Delivery(state=DeliveryState.PENDING_APPROVAL)),
        _stored(Direction.OUTBOUND, 5, Delivery(state=DeliveryState.QUEUED)),
        _stored(Direction.OUTBOUND, 6, Delivery(state=DeliveryState.FAILED)),
        _stored(Direction.OUTBOUND, 7, Delivery(state=DeliveryState.UNCERTAIN)),
        _stored(Direction.OUTBOUND, 8, Delivery(state=DeliveryState.SENT, sent_at=T0 + 11 * M)),
        _stored(Direction.OUTBOUND, 20),
    ]
    facts = report_facts.facts_of(_ticket(), interactions, [], None)
    assert facts is not None
    assert facts.first_response_seconds == 11 * 60
    assert facts.author == "email:ana@x.com"


def test_an_outbound_interaction_made_on_the_network_answers_when_it_happened() -> None:
    interactions = [
        _stored(Direction.INBOUND, 0),
        _stored(Direction.OUTBOUND, 8, Delivery(state=DeliveryState.SENT, sent_at=T0 + 11 * M)),
        _stored(Direction.OUTBOUND, 9),
    ]
    facts = report_facts.facts_of(_ticket(), interactions, [], None)
    assert facts is not None
    assert facts.first_response_seconds == 9 * 60


def test_resolution_is_counted_to_the_last_move_into_resolved_or_closed() -> None:
    ticket = _ticket(Status.RESOLVED)
    history = [
        HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=T0 + timedelta(hours=h),
            actor="a",
            action="changed",
            field="status",
            before="open",
            after=after,
        )
        for h, after in ((1, "resolved"), (2, "open"), (3, "resolved"))
    ]
    facts = report_facts.facts_of(ticket, [], history, None)
    assert facts is not None
    assert facts.resolution_seconds == 3 * 3600
    assert facts.done_at == T0 + timedelta(hours=3)


def test_times_are_business_time_where_the_level_has_a_calendar() -> None:
    # Monday June 1st 2026, 09:00 (São Paulo) is 12:00 UTC; the desk works 09:00-10:00.
    calendar = BusinessCalendar.of(
        CalendarSpec.model_validate(
            {
                "timezone": "America/Sao_Paulo",
                "weekly": {day: [{"start": "09:00", "end": "10:00"}] for day in ("mon", "tue")},
            }
        )
    )
    answered = [_stored(Direction.OUTBOUND, 24 * 60 + 30)]  # Tuesday 09:30 local
    facts = report_facts.facts_of(_ticket(), answered, [], calendar)
    assert facts is not None
    assert facts.first_response_seconds == 90 * 60


def test_a_removed_ticket_has_no_facts() -> None:
    ticket = _ticket()
    removed = Ticket(**{**ticket.__dict__, "removed": True})
    assert report_facts.facts_of(removed, [], [], None) is None


@pytest.mark.parametrize("split", reports.SPLITS)
def test_every_split_is_a_dimension_of_the_facts(split: str) -> None:
    facts = TicketFacts("basic", "new", "normal", "email", "brand", "ana", "email:a", T0)
    assert split in facts.split_values()


def test_a_range_across_daylight_saving_is_read_in_stretches_of_one_offset() -> None:
    span = ReportRange(ZoneInfo("America/New_York"), date(2025, 3, 8), date(2025, 3, 10), "day")
    change = reports.epoch_hour(datetime(2025, 3, 9, 7, 0, tzinfo=UTC))  # 02:00 EST -> 03:00 EDT
    assert span.segments() == [
        reports.Segment(span.first_hour, change, -5, 24),
        reports.Segment(change, span.end_hour, -4, 24),
    ]
    for segment in span.segments():
        for hour in range(segment.first_hour, segment.end_hour):
            grouped = (hour + segment.shift) // segment.width * segment.width - segment.shift
            assert segment.period_start(grouped) == span.period_of(hour)


def test_weeks_group_hours_from_monday_midnight_local() -> None:
    span = ReportRange(SAO_PAULO, date(2026, 6, 1), date(2026, 6, 21), "week")
    [segment] = span.segments()
    for hour in range(span.first_hour, span.end_hour, 7):
        grouped = (hour + segment.shift) // segment.width * segment.width - segment.shift
        assert segment.period_start(grouped) == span.period_of(hour)
        assert segment.period_start(grouped).weekday() == 0
