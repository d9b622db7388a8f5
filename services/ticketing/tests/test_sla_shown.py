"""The desk's cheap reading of a ticket's clocks (issue 12): between two scanner readings only
the business time left moves, so the list works it out from each running clock's due time
(``shared.sla_policies.shown_now``) — it must give what counting the whole clock again gives.
And the two ways a response can reach the clocks late: a reply sent after it was written
(``sla.reply_sent``) and the interactions a new ticket collects (``sla.collected``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.calendars import CalendarSpec
from contracts.sla import SlaPolicy
from contracts.tickets import TicketSla
from servicekit.business_time import SpanIndex
from ticketing.domain import sla
from ticketing.shared.sla_policies import (
    PageClocks,
    Policies,
    after_reading,
    shown_now,
    sla_doc,
)
from ticketing.store.codec import iso, track_to_doc
from ticketing.store.page_json import sla_json, with_clocks

SP = ZoneInfo("America/Sao_Paulo")
WEEKDAYS_WITH_LUNCH = CalendarSpec.model_validate(
    {
        "timezone": "America/Sao_Paulo",
        "weekly": {
            d: [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
            for d in ("mon", "tue", "wed", "thu", "fri")
        },
        "holidays": [{"name": "Natal", "yearly": "12-25"}],
    }
)
TARGETS = {
    "first_response": {"amount": 30, "unit": "minutes"},
    "next_response": {"amount": 2, "unit": "hours"},
    "resolution": {"amount": 3, "unit": "days"},
}
OPENED = datetime(2026, 12, 22, 10, 0, tzinfo=SP)  # a Tuesday, three days before Christmas


def policy(around: datetime = OPENED, **changes: Any) -> sla.Policy:
    chosen = sla.policy_for(
        SlaPolicy.model_validate({**TARGETS, **changes}),
        WEEKDAYS_WITH_LUNCH,
        level="n1",
        priority="medium",
        around=around,
    )
    assert chosen is not None
    return chosen


def scanned(track: sla.Track, at: datetime, counted: sla.Policy, status: str) -> sla.Track:
    reading = sla.read(track, opened_at=OPENED, status=status, policy=counted, now=at)
    return after_reading(track, reading, counted, at)


def counted_again(track: sla.Track, at: datetime, counted: sla.Policy, status: str) -> Any:
    return sla_doc(
        sla.read(
            track, opened_at=OPENED, status=status, policy=counted, now=at, looking_ahead=False
        )
    )


SHAPES = {  # each ticket's facts, and its status (read after its last fact: a reading knows
    # only the past)
    "new, nothing answered": (sla.Track(statuses=((OPENED, "new"),)), "new"),
    "answered, the customer wrote again": (
        sla.Track(
            statuses=((OPENED, "new"), (OPENED + timedelta(minutes=5), "open")),
            first_response_at=OPENED + timedelta(minutes=20),
            awaiting_since=OPENED + timedelta(minutes=40),
            arm=1,
        ),
        "open",
    ),
    "pending": (
        sla.Track(statuses=((OPENED, "new"), (OPENED + timedelta(minutes=10), "pending"))),
        "pending",
    ),
}


def last_fact(track: sla.Track) -> datetime:
    facts = [at for at, _ in track.statuses]
    facts += [t for t in (track.first_response_at, track.awaiting_since) if t is not None]
    return max(facts)


@pytest.mark.parametrize("shape", SHAPES)
@settings(max_examples=40, deadline=None)
@given(
    read_after=st.integers(min_value=0, max_value=4 * 24 * 60),
    look_after=st.integers(min_value=0, max_value=6 * 24 * 60),
)
def test_the_shown_clocks_equal_the_clocks_counted_again_until_the_next_reading(
    shape: str, read_after: int, look_after: int
) -> None:
    track, status = SHAPES[shape]
    counted = policy()
    read_at = max(last_fact(track), OPENED + timedelta(minutes=read_after))
    kept = scanned(track, read_at, counted, status)
    now = read_at + timedelta(minutes=look_after)
    shown = shown_now(kept, counted, now)
    if kept.next_at is not None and now >= kept.next_at:
        assert shown is None  # a band changes: the scanner (or the reader) counts again
        return
    assert shown is not None
    expected = counted_again(kept, now, counted, status)
    assert shown["band"] == expected["band"]
    for name in sla.TARGETS:
        if expected.get(name) is None:
            assert shown.get(name) is None
            continue
        for field, value in expected[name].items():
            if field == "business_minutes_left":
                assert shown[name][field] == pytest.approx(value, abs=1e-6), (name, now)
            else:
                assert shown[name][field] == value, (name, field, now)


def test_a_write_a_changed_policy_or_a_clock_set_back_make_the_reader_count_again() -> None:
    track, status = SHAPES["new, nothing answered"]
    counted = policy()
    read_at = OPENED + timedelta(minutes=5)
    kept = scanned(track, read_at, counted, status)
    a_minute_on = read_at + timedelta(minutes=1)
    assert shown_now(kept, counted, a_minute_on) is not None

    written = sla.answered(kept, inbound=False, responds=True, at=a_minute_on)
    assert shown_now(written, counted, a_minute_on) is None
    other = policy(first_response={"amount": 10, "unit": "minutes"})
    assert shown_now(kept, other, a_minute_on) is None
    assert shown_now(kept, counted, read_at - timedelta(minutes=1)) is None
    assert shown_now(dataclasses.replace(kept, shown=None), counted, a_minute_on) is None


def stored(track: sla.Track, level: str, status: str) -> dict[str, Any]:
    """The ticket's stored document, as much of it as its clocks read."""
    return {
        "level": level,
        "priority": "medium",
        "status": status,
        "opened_at": iso(OPENED),
        "sla_next_at": iso(track.next_at) if track.next_at is not None else None,
        "extra": {"sla": track_to_doc(track)},
    }


def test_a_page_mixes_shown_and_counted_clocks() -> None:
    read_at = OPENED + timedelta(minutes=5)
    known = Policies(
        {
            "n1": (SlaPolicy.model_validate(TARGETS), WEEKDAYS_WITH_LUNCH, None),
            "no-sla": (None, None, None),
        },
        around=read_at,
    )
    counted = known.policy("n1", "medium")
    assert counted is not None
    track, status = SHAPES["new, nothing answered"]
    kept = scanned(track, read_at, counted, status)

    now = read_at + timedelta(minutes=3)
    clocks = PageClocks(known, now)
    shown, counted_page, none = (
        clocks(stored(kept, "n1", status)),  # from the reading
        clocks(stored(track, "n1", status)),  # never read: counted
        clocks(stored(track, "no-sla", status)),  # no policy: no clocks
    )
    assert none is None and shown is not None and counted_page is not None
    assert TicketSla.model_validate(shown) == TicketSla.model_validate(counted_page)
    assert shown["first_response"]["business_minutes_left"] == pytest.approx(22)
    assert not clocks.unknown
    # A level created after the policies were read: the page reads them again.
    assert clocks(stored(track, "n9", status)) is None
    assert clocks.unknown == {"n9"}


def desk_policies(around: datetime, **changes: Any) -> Policies:
    """The policies as a process reads them at ``around`` (its own calendar index)."""
    targets = SlaPolicy.model_validate({**TARGETS, **changes})
    return Policies({"n1": (targets, WEEKDAYS_WITH_LUNCH, None)}, around)


@pytest.mark.parametrize("shape", SHAPES)
@settings(max_examples=40, deadline=None)
@given(
    read_after=st.integers(min_value=0, max_value=4 * 24 * 60),
    look_after=st.integers(min_value=0, max_value=6 * 24 * 60),
    towards_next=st.integers(min_value=0, max_value=1000),
)
def test_the_reading_ready_to_splice_writes_the_shown_clocks_in_another_process(
    shape: str, read_after: int, look_after: int, towards_next: int
) -> None:
    """The scanner's reading kept ready to splice (``Track.listed``), completed by a reader
    with its own policies and calendar index, is byte for byte the shown clocks (which
    equal the clocks counted again, above); a reader on another index window, or after the
    next reading is due, works them out instead."""
    track, status = SHAPES[shape]
    read_at = max(last_fact(track), OPENED + timedelta(minutes=read_after))
    scanner = desk_policies(read_at).policy("n1", "medium")
    assert scanner is not None
    kept = scanned(track, read_at, scanner, status)
    assert kept.listed is not None
    now = read_at + timedelta(minutes=look_after)
    if kept.next_at is not None:  # mostly before the next reading, where it is used
        now = read_at + (kept.next_at - read_at) * (towards_next / 1000)
    reader = desk_policies(now)
    spliced = PageClocks(reader, now).spliced(
        "n1", "medium", iso(kept.next_at) if kept.next_at else None, kept.listed
    )
    counted = reader.policy("n1", "medium")
    assert counted is not None
    shown = shown_now(kept, counted, now)
    in_page = page_spliced(PageClocks(reader, now), "n1", "medium", kept)
    if shown is None or sla.window_start(now) != sla.window_start(read_at):
        assert spliced is None and in_page is None
        return
    assert with_clocks([('{"sla":null}', spliced)]) == [b'{"sla":' + sla_json(shown) + b"}"]
    assert in_page == b'{"sla":' + sla_json(shown) + b"}"


def page_spliced(
    clocks: PageClocks,
    level: str,
    priority: str,
    kept: sla.Track,
    next_at: str | None = "",
    stored: str = '{"sla":null}',
) -> bytes | None:
    """One ticket's row as the page-at-once path (``PageClocks.splice_rows``) writes it,
    the same the first, second and third time it is listed; ``next_at``: its stored next
    reading when not the reading's own."""
    if next_at == "":
        next_at = iso(kept.next_at) if kept.next_at else None
    row = (str(uuid4()), stored, level, priority, next_at, kept.listed)
    # Listed for the first time, then again (taken apart), then from what was kept.
    first, second, third = (
        dict(zip(*clocks.splice_rows([row], (0, 1, 2, 3, 4, 5)), strict=True)) for _ in range(3)
    )
    assert first == second == third
    return first.get(0)


WEEKDAYS_NO_LUNCH = CalendarSpec.model_validate(
    {
        "timezone": "America/Sao_Paulo",
        "weekly": {d: [{"start": "08:00", "end": "18:00"}] for d in ("mon", "tue", "wed", "thu")},
    }
)


def test_a_page_of_readings_splices_each_as_one_ticket_alone() -> None:
    """A page mixing tickets whose reading holds, on two calendars (so two "now"s), with one
    written since and one with no reading, each row saying ``"sla":null`` in a custom field
    too: each spliced row is the ticket's row spliced alone, the others are left to the
    document. Kept whole, the page is written again at a later "now" across a reading of the
    directory that left its levels as they were."""
    read_at = OPENED + timedelta(minutes=5)
    now = read_at + timedelta(minutes=2, seconds=7, microseconds=3)
    policies = Policies(
        {
            "n1": (SlaPolicy.model_validate(TARGETS), WEEKDAYS_WITH_LUNCH, None),
            "n2": (SlaPolicy.model_validate(TARGETS), WEEKDAYS_NO_LUNCH, None),
        },
        around=read_at,
    )
    rows: list[tuple[Any, ...]] = []
    alone: list[bytes | None] = []
    for n, (track, status) in enumerate(SHAPES.values()):
        for level in ("n1", "n2"):
            counted = policies.policy(level, "medium")
            assert counted is not None
            kept = scanned(track, read_at, counted, status)
            stored = f'{{"n":{n},"custom_fields":{{"sla":null}},"sla":null,"kind":null}}'
            next_at = iso(kept.next_at) if kept.next_at else None
            rows.append((f"{n}-{level}", stored, level, "medium", next_at, kept.listed))
            alone.append(
                page_spliced(PageClocks(policies, now), level, "medium", kept, stored=stored)
            )
    rows.append(("w", '{"sla":null}', "n1", "medium", iso(now), rows[0][5]))  # written since
    rows.append(("x", '{"sla":null}', "n1", "medium", None, None))  # no reading kept
    alone += [None, None]
    places, written = PageClocks(policies, now).splice_rows(rows, (0, 1, 2, 3, 4, 5))
    assert places == sorted(places)
    page = dict(zip(places, written, strict=True))
    assert [page.get(i) for i in range(len(rows))] == alone
    assert len(page) == 6
    placed = set()
    for level in ("n1", "n2"):
        counted = policies.policy(level, "medium")
        assert counted is not None and isinstance(counted.calendar, SpanIndex)
        placed.add(counted.calendar.position(now))
    assert len(placed) == 2  # the page holds two "now"s
    # Listed again: the readings taken apart the first time give the same page.
    assert PageClocks(policies, now).splice_rows(rows, (0, 1, 2, 3, 4, 5)) == (places, written)
    # The rows that hold, on their two calendars, kept as a page by a key of the store's
    # (``kept_page``): listed again a minute on, the kept page is the rows spliced then.
    holding = [rows[i] for i in places]
    key = ("page", *(r[0] for r in holding))
    PageClocks(policies, now).splice_rows(holding, (0, 1, 2, 3, 4, 5), key)
    later = now + timedelta(minutes=1)
    _, expected = PageClocks(policies, later).splice_rows(holding, (0, 1, 2, 3, 4, 5))
    assert PageClocks(policies, later).kept_page(key) == expected != written
    # The directory read again: the page is kept while its levels' policies and calendars
    # are as they were, whatever another level's are; not once a calendar it uses changed.
    n3 = (SlaPolicy.model_validate(TARGETS), WEEKDAYS_NO_LUNCH, None)
    again = Policies({**policies._levels, "n3": n3}, around=read_at)
    assert PageClocks(again, later).kept_page(key) == expected
    n2 = (SlaPolicy.model_validate(TARGETS), WEEKDAYS_WITH_LUNCH, None)
    changed = Policies({**policies._levels, "n2": n2}, around=read_at)
    assert PageClocks(changed, later).kept_page(key) is None
    assert PageClocks(policies, later).kept_page(key) == expected


def test_a_listed_again_ticket_is_spliced_from_its_row_and_reading_as_they_are_now() -> None:
    """The readings a page took apart are kept by ticket: listed again after its row was
    written, after another reading, or with other policies, a ticket's row is what splicing
    it afresh gives (or left to the document), never the one kept."""
    track, status = SHAPES["answered, the customer wrote again"]
    read_at = last_fact(track) + timedelta(minutes=1)
    known = desk_policies(read_at)
    counted = known.policy("n1", "medium")
    assert counted is not None
    first = scanned(track, read_at, counted, status)
    now = read_at + timedelta(seconds=90)
    ticket = str(uuid4())

    def listed(clocks: PageClocks, stored: str, kept: sla.Track) -> bytes | None:
        next_at = iso(kept.next_at) if kept.next_at else None
        row = (ticket, stored, "n1", "medium", next_at, kept.listed)
        places, written = clocks.splice_rows([row], (0, 1, 2, 3, 4, 5))
        return written[0] if places == [0] else None

    before = listed(PageClocks(known, now), '{"v":1,"sla":null}', first)
    assert before is not None and before.startswith(b'{"v":1,"sla":{')
    written = listed(PageClocks(known, now), '{"v":2,"sla":null}', first)
    assert written == before.replace(b'{"v":1,', b'{"v":2,', 1)
    later = now + timedelta(minutes=3)
    again = scanned(track, later - timedelta(seconds=1), counted, status)
    assert again.listed != first.listed
    fresh = page_spliced(
        PageClocks(known, later), "n1", "medium", again, stored='{"v":2,"sla":null}'
    )
    assert fresh is not None and fresh != written
    assert listed(PageClocks(known, later), '{"v":2,"sla":null}', again) == fresh
    changed = desk_policies(read_at, first_response={"amount": 45, "unit": "minutes"})
    assert listed(PageClocks(changed, later), '{"v":2,"sla":null}', again) is None


def test_a_reading_ready_to_splice_is_not_used_for_another_policy_or_a_written_ticket() -> None:
    track, status = SHAPES["new, nothing answered"]
    read_at = OPENED + timedelta(minutes=5)
    known = desk_policies(read_at)
    counted = known.policy("n1", "medium")
    assert counted is not None
    kept = scanned(track, read_at, counted, status)
    now = read_at + timedelta(minutes=1)
    clocks = PageClocks(known, now)
    next_at = iso(kept.next_at) if kept.next_at else None
    assert clocks.spliced("n1", "medium", next_at, kept.listed) is not None
    assert clocks.spliced("n1", "urgent", next_at, kept.listed) is None  # another basis
    assert clocks.spliced("n1", "medium", iso(now), kept.listed) is None  # written since
    assert clocks.spliced("n1", "medium", next_at, None) is None  # written by older code
    assert kept.next_at is not None
    read_again = iso(kept.next_at + timedelta(hours=1))  # by code that does not keep it
    assert clocks.spliced("n1", "medium", read_again, kept.listed) is None
    earlier = PageClocks(known, read_at - timedelta(minutes=1))
    assert earlier.spliced("n1", "medium", next_at, kept.listed) is None  # clock set back
    assert page_spliced(clocks, "n1", "medium", kept) is not None
    assert page_spliced(clocks, "n1", "urgent", kept) is None
    assert page_spliced(clocks, "n1", "medium", kept, iso(now)) is None
    assert page_spliced(clocks, "n1", "medium", dataclasses.replace(kept, listed=None)) is None
    assert page_spliced(clocks, "n1", "medium", kept, read_again) is None
    assert page_spliced(earlier, "n1", "medium", kept) is None


def test_a_reply_sent_later_answers_at_the_time_it_went_out() -> None:
    opened = sla.Track(statuses=((OPENED, "new"),))
    sent = OPENED + timedelta(minutes=12)
    answered = sla.reply_sent(opened, at=sent)
    assert answered.first_response_at == sent
    assert answered.next_at == sent  # the scanner reads the ticket again

    waiting = dataclasses.replace(
        answered, awaiting_since=OPENED + timedelta(minutes=30), answered_at=None
    )
    # Written before the customer's new message and sent after it was written: it does not
    # answer that message.
    assert sla.reply_sent(waiting, at=OPENED + timedelta(minutes=25)) is waiting
    later = sla.reply_sent(waiting, at=OPENED + timedelta(minutes=45))
    assert later.answered_at == OPENED + timedelta(minutes=45)


def test_collected_interactions_count_as_if_they_had_arrived_on_the_ticket() -> None:
    opener_at = OPENED + timedelta(minutes=50)
    messages = [
        (True, False, OPENED),  # the customer's first message, with no ticket then
        (False, True, OPENED + timedelta(minutes=20)),  # the brand answered on the network
        (True, False, opener_at),  # the message that opened the ticket
    ]
    track, start = sla.collected(
        sla.Track(statuses=((opener_at, "new"),)),
        messages,
        opened_at=opener_at,
        from_first_message=True,
    )
    assert start == OPENED
    assert track.first_response_at == OPENED + timedelta(minutes=20)
    assert track.awaiting_since == opener_at  # the customer's later message awaits an answer

    by_opening, start = sla.collected(
        sla.Track(statuses=((opener_at, "new"),)),
        messages,
        opened_at=opener_at,
        from_first_message=False,
    )
    assert start == opener_at  # the level dates tickets by their opening
    assert by_opening.first_response_at == opener_at  # answered before it opened: met at once


def test_a_clock_read_at_its_due_instant_is_read_again_as_soon_as_it_breaches() -> None:
    """Read with nothing left (red), the next look is the breach right after, not the next
    day's threshold: found by the property above (read 30 minutes in, looked at a minute
    later)."""
    track, status = SHAPES["new, nothing answered"]
    counted = policy()
    due = OPENED + timedelta(minutes=30)
    kept = scanned(track, due, counted, status)
    assert kept.shown is not None and kept.shown["band"] == "red"
    assert kept.next_at is not None and due < kept.next_at <= due + timedelta(seconds=1)
    a_minute_on = due + timedelta(minutes=1)
    assert shown_now(kept, counted, a_minute_on) is None
    again = scanned(kept, a_minute_on, counted, status)
    assert again.shown is not None and again.shown["band"] == "overdue"
