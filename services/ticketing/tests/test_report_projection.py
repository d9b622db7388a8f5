"""The report projection over real ticket writes, on every adapter: projecting after each
change and rebuilding from the tickets give the same counters, a rebuild run twice changes
nothing, and (MongoDB) a move cut short by a crash is finished exactly once."""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from contracts.calendars import CalendarRead
from contracts.interaction import Author, Direction
from contracts.replies import Delivery, DeliveryState
from contracts.reports import BacklogQuery, TimesQuery, VolumeQuery
from contracts.rpc import Caller
from contracts.tickets import StoredInteraction
from devtools.store_backends import Backend
from servicekit.business_time import BusinessCalendar
from ticketing.domain import report_facts as facts_rules
from ticketing.domain import reports
from ticketing.domain.reports import TicketFacts
from ticketing.domain.threading import thread_key
from ticketing.domain.tickets import Ticket
from ticketing.shared import report_facts
from ticketing.store.mongo import MongoTicketStore
from ticketing.store.port import TicketStore
from ticketing.store.reports import facts_from_doc
from ticketing.store.sqlite import SqliteTicketStore
from ticketing.usecases import report_projection
from ticketing.usecases import reports as usecases

from .test_store_contract import T0, apply, follow_up_of, message, open_for, record, save

HOURS = (reports.epoch_hour(T0) - 24, reports.epoch_hour(T0) + 24)


async def snapshot(store: TicketStore) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for series in (reports.OPENED, reports.AUTHORS, reports.DONE):
        for dim in (reports.ALL, *reports.SPLITS):
            rows = await store.report_rows(series, dim, *HOURS, None)
            out[f"{series}/{dim}"] = sorted(tuple(r) for r in rows)
    return out


async def test_projecting_each_change_equals_a_rebuild_from_the_tickets(
    store: TicketStore,
) -> None:
    first = await open_for(store, message("post-1"))
    await report_projection.ticket_changed(store=store, ticket_id=first.id)
    second = await open_for(store, message("post-2"))
    await report_projection.ticket_changed(store=store, ticket_id=second.id)
    moved = await apply(store, first, now=T0 + timedelta(hours=1), status="resolved")
    await report_projection.ticket_changed(store=store, ticket_id=moved.id)
    await report_projection.ticket_changed(store=store, ticket_id=moved.id)  # a redelivery
    incremental = await snapshot(store)

    assert await report_projection.rebuild(store=store) == 2
    assert await snapshot(store) == incremental
    assert await report_projection.rebuild(store=store) == 2
    assert await snapshot(store) == incremental
    status = {r[1]: r[4] for r in incremental["opened/status"]}
    assert status == {"new": 1, "resolved": 1}
    assert [r[4] for r in incremental["done/level"]] == [1]


async def test_a_rebuild_counts_tickets_the_events_never_reached(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    assert await report_projection.rebuild(store=store) == 1
    rows = await store.report_rows(reports.OPENED, "channel", *HOURS, None)
    assert [(r.value, r.n) for r in rows] == [("facebook", 1)]
    assert not await report_facts.project(store, ticket.id)


async def test_a_move_cut_short_is_finished_once_by_the_next_projection(
    backend: Backend[TicketStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await backend.open()
    if not isinstance(store, MongoTicketStore):
        pytest.skip("SQLite moves a ticket's counts in one transaction")
    ticket = uuid4()
    facts = TicketFacts("basic", "new", "normal", "email", "brand", "", "email:a", T0)
    reports_part = store._reports
    finish = reports_part._finish

    async def crash(key: str, pending: dict[str, Any]) -> None:
        # The first counter takes the move, then the process dies.
        delta, op = pending["deltas"][0], pending["op"]
        fields = {k: v for k, v in delta.items() if k not in ("_id", "n")}
        await reports_part._counts.update_one(
            {"_id": delta["_id"], "ops": {"$ne": op}},
            {"$inc": {"n": delta["n"]}, "$push": {"ops": op}, "$set": fields},
            upsert=True,
        )
        raise RuntimeError("killed")

    monkeypatch.setattr(reports_part, "_finish", crash)
    with pytest.raises(RuntimeError):
        await store.project_ticket(ticket, facts, version=1)
    monkeypatch.setattr(reports_part, "_finish", finish)

    assert not await store.project_ticket(ticket, facts, version=1)
    rows = await store.report_rows(reports.OPENED, reports.ALL, *HOURS, None)
    assert [r.n for r in rows] == [1]
    rows = await store.report_rows(reports.OPENED, "channel", *HOURS, None)
    assert [(r.value, r.n) for r in rows] == [("email", 1)]


ZONES = [
    "UTC",
    "America/Sao_Paulo",
    "Pacific/Honolulu",
    "Asia/Tokyo",
    "Pacific/Kiritimati",
    "America/New_York",
    # Not a whole number of hours from UTC: read from the quarter-hour counters.
    "Asia/Kolkata",  # +5:30
    "Asia/Kathmandu",  # +5:45
    "America/St_Johns",  # -3:30, and -2:30 from March 8th (a change inside the range)
    "Australia/Adelaide",  # +10:30
]


@pytest.mark.parametrize("interval", ["day", "week"])
async def test_reports_in_any_zone_equal_a_count_of_the_facts_by_local_day(
    store: TicketStore, interval: str
) -> None:
    rng = random.Random(7)
    held = []
    for _ in range(30):
        opened_at = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(16 * 1440))
        done = opened_at + timedelta(minutes=rng.randrange(1, 3000)) if rng.random() < 0.5 else None
        facts = TicketFacts(
            level=rng.choice(["basic", "legal"]),
            status="resolved" if done else "open",
            priority="normal",
            channel=rng.choice(["email", "instagram", "facebook"]),
            account="brand",
            agent="",
            author=f"email:{rng.randrange(10)}",
            opened_at=opened_at,
            first_response_seconds=float(rng.randrange(1, 7200)),
            resolution_seconds=(done - opened_at).total_seconds() if done else None,
            done_at=done,
        )
        await store.project_ticket(uuid4(), facts, version=1)
        held.append(facts)
    admin = Caller(id="admin", role="admin")
    for zone in ZONES:
        tz = ZoneInfo(zone)

        def period(at: datetime, tz: ZoneInfo = tz) -> str:
            day = at.astimezone(tz).date()
            return (day - timedelta(days=day.weekday()) if interval == "week" else day).isoformat()

        span = {"since": date(2026, 3, 2), "until": date(2026, 3, 15)}
        inside = [
            f for f in held if span["since"] <= f.opened_at.astimezone(tz).date() <= span["until"]
        ]
        expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        authors: dict[str, set[str]] = defaultdict(set)
        answered: dict[str, list[float]] = defaultdict(list)
        for f in inside:
            expected[period(f.opened_at)][f.channel] += 1
            authors[period(f.opened_at)].add(f.author)
            answered[period(f.opened_at)].append(f.first_response_seconds or 0)

        query = VolumeQuery(**span, split="channel", timezone=zone, interval=interval)
        volume = await usecases.volume(store=store, query=query, caller=admin)
        found = {p.start.isoformat(): p.values for p in volume.periods if p.total}
        assert found == expected, zone

        query = VolumeQuery(**span, measure="authors", timezone=zone, interval=interval)
        volume = await usecases.volume(store=store, query=query, caller=admin)
        found_authors = {p.start.isoformat(): p.total for p in volume.periods if p.total}
        assert found_authors == {k: len(v) for k, v in authors.items()}, zone

        times = await usecases.times(
            store=store,
            query=TimesQuery(**span, timezone=zone, interval=interval),
            caller=admin,
        )
        counted = {
            p.start.isoformat(): p.first_response.count
            for p in times.periods
            if p.first_response.count
        }
        assert counted == {k: len(v) for k, v in answered.items()}, zone
        for p in times.periods:
            values = answered.get(p.start.isoformat())
            if values:
                exact = sorted(values)[math.ceil(0.5 * len(values)) - 1]
                assert abs((p.first_response.median_seconds or 0) - exact) <= exact / 64 + 0.5

        backlog = await usecases.backlog(
            store=store, query=BacklogQuery(**span, timezone=zone, interval=interval), caller=admin
        )
        for p in backlog.periods:
            length = timedelta(days=7 if interval == "week" else 1)
            last = min(p.start + length, span["until"] + timedelta(days=1))
            end = datetime.combine(last, datetime.min.time(), tzinfo=tz)
            still_open = sum(
                1 for f in held if f.opened_at < end and (f.done_at is None or f.done_at >= end)
            )
            assert p.open == still_open, (zone, p.start)


@pytest.mark.parametrize(
    ("zone", "midnight"),
    [
        ("Asia/Kolkata", datetime(2026, 3, 3, 18, 30, tzinfo=UTC)),  # +5:30
        ("Asia/Kathmandu", datetime(2026, 3, 3, 18, 15, tzinfo=UTC)),  # +5:45
        ("America/St_Johns", datetime(2026, 3, 4, 3, 30, tzinfo=UTC)),  # -3:30
    ],
)
async def test_a_zone_off_the_whole_hour_splits_its_days_at_its_own_midnight(
    store: TicketStore, zone: str, midnight: datetime
) -> None:
    """A minute before and a minute after local midnight (March 4th) fall on two days, in the
    volume, the times and the backlog alike."""
    for ticket, opened_at in enumerate((midnight - timedelta(minutes=1), midnight)):
        facts = TicketFacts(
            level="basic",
            status="resolved",
            priority="normal",
            channel="email",
            account="brand",
            agent="",
            author=f"email:{ticket}",
            opened_at=opened_at,
            first_response_seconds=60.0,
            resolution_seconds=120.0,
            done_at=opened_at + timedelta(minutes=2),
        )
        await store.project_ticket(uuid4(), facts, version=1)
    admin = Caller(id="admin", role="admin")
    span = {"since": date(2026, 3, 3), "until": date(2026, 3, 4), "timezone": zone}
    volume = await usecases.volume(store=store, query=VolumeQuery(**span), caller=admin)
    assert [(p.start, p.total) for p in volume.periods] == [
        (date(2026, 3, 3), 1),
        (date(2026, 3, 4), 1),
    ]
    times = await usecases.times(store=store, query=TimesQuery(**span), caller=admin)
    assert [p.resolution.count for p in times.periods] == [1, 1]
    backlog = await usecases.backlog(store=store, query=BacklogQuery(**span), caller=admin)
    # The first is done two minutes after it opened, past midnight: open at March 3rd's end.
    assert [p.open for p in backlog.periods] == [1, 0]


BUSINESS_HOURS = {
    "name": "br",
    "timezone": "UTC",
    "weekly": {
        day: [{"start": "08:00", "end": "18:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
}


async def held_facts(store: TicketStore, ticket_id: UUID) -> TicketFacts | None:
    """The facts the store holds for the ticket (what its counters are the sum of)."""
    if isinstance(store, MongoTicketStore):
        doc = await store._reports._facts.find_one({"_id": str(ticket_id)})
        return facts_from_doc(doc.get("facts") if doc else None)
    assert isinstance(store, SqliteTicketStore)
    row = await store._db.read(
        lambda c: c.execute(
            "SELECT facts FROM report_facts WHERE ticket_id = ?", (str(ticket_id),)
        ).fetchone()
    )
    return facts_from_doc(json.loads(row[0]) if row and row[0] else None)


async def facts_from_whole_reads(store: TicketStore, ticket_id: UUID) -> TicketFacts | None:
    """The facts as a reader of the whole ticket makes them: every interaction parsed, the
    whole history, the level's calendar read entry by entry."""
    ticket = await store.get_ticket(ticket_id)
    assert ticket is not None
    level = await store.get_entry("level", ticket.level) if ticket.level else None
    spec = await store.get_entry("calendar", level["calendar"]) if level else None
    return facts_rules.facts_of(
        ticket,
        await store.interactions_of(ticket_id),
        await store.history_of(ticket_id),
        BusinessCalendar.of(CalendarRead.model_validate(spec)) if spec else None,
    )


async def test_the_facts_projected_after_each_change_are_those_of_the_whole_ticket(
    store: TicketStore,
) -> None:
    await store.create_entry("calendar", "br", BUSINESS_HOURS)
    await store.create_entry("level", "vip", {"name": "vip", "calendar": "br"})
    ticket = await open_for(store, message("post-1"))

    async def follow_up(minutes: int, **fields: Any) -> Ticket:
        later = message("post-1", minutes=minutes).model_copy(update=fields)
        stored = await record(store, later)
        change = follow_up_of(ticket, stored, minutes=minutes)
        return await save(store, change, expected_version=ticket.version, interaction_id=stored.id)

    def at(hours: float) -> datetime:
        return T0 + timedelta(hours=hours)

    changes: list[Callable[[], Awaitable[Ticket]]] = [
        lambda: follow_up(3),
        lambda: apply(store, ticket, now=at(0.1), level="vip"),
        lambda: follow_up(9, direction=Direction.OUTBOUND, author=Author(id="brand")),
        lambda: apply(store, ticket, now=at(2), status="resolved"),
        lambda: apply(store, ticket, now=at(3), status="open"),
        lambda: apply(store, ticket, now=at(8), status="closed"),
    ]
    held = []
    for change in [None, *changes]:
        if change is not None:
            ticket = await change()
        await report_projection.ticket_changed(store=store, ticket_id=ticket.id)
        facts = await held_facts(store, ticket.id)
        assert facts == await facts_from_whole_reads(store, ticket.id)
        held.append(facts)
    incremental = await snapshot(store)
    assert await report_projection.rebuild(store=store) == 1
    assert await snapshot(store) == incremental

    assert [f.status for f in held if f] == [
        "new",
        "new",
        "new",
        "new",
        "resolved",
        "open",
        "closed",
    ]
    final = held[-1]
    assert final is not None
    assert final.author == "facebook:user-1"
    # T0 is 12:00 UTC: answered 9 minutes in; closed at 20:00, 6 business hours (to 18:00) in.
    assert final.first_response_seconds == 9 * 60
    assert final.resolution_seconds == 6 * 3600
    assert final.done_at == at(8)


async def test_a_reply_answers_the_customer_when_the_network_took_it(
    store: TicketStore,
) -> None:
    """The first response is a reply the network took, at the time it took it: one waiting
    for approval, queued or failed has answered nobody (read from the stored delivery)."""
    ticket = await open_for(store, message("post-1"))

    async def reply(minutes: int, state: DeliveryState) -> StoredInteraction:
        nonlocal ticket
        outbound = message("post-1", minutes=minutes).model_copy(
            update={"direction": Direction.OUTBOUND, "author": Author(id="brand")}
        )
        stored = await store.record_interaction(
            StoredInteraction(
                id=uuid4(),
                ticket_id=None,
                received_at=T0,
                interaction=outbound,
                delivery=Delivery(state=state),
            ),
            thread_key=thread_key(outbound),
        )
        change = follow_up_of(ticket, stored, minutes=minutes)
        ticket = await save(
            store, change, expected_version=ticket.version, interaction_id=stored.id
        )
        return stored

    async def settle(stored: StoredInteraction, state: DeliveryState, minutes: int) -> None:
        sent_at = T0 + timedelta(minutes=minutes) if state is DeliveryState.SENT else None
        await store.change_interaction(
            stored.interaction.key,
            lambda s: s.model_copy(update={"delivery": Delivery(state=state, sent_at=sent_at)}),
        )
        await report_projection.ticket_changed(store=store, ticket_id=ticket.id)

    async def first_response() -> float | None:
        await report_projection.ticket_changed(store=store, ticket_id=ticket.id)
        facts = await held_facts(store, ticket.id)
        assert facts is not None
        assert facts == await facts_from_whole_reads(store, ticket.id)
        return facts.first_response_seconds

    waiting = await reply(4, DeliveryState.PENDING_APPROVAL)
    assert await first_response() is None
    await settle(waiting, DeliveryState.FAILED, 5)
    assert await first_response() is None
    queued = await reply(9, DeliveryState.QUEUED)
    assert await first_response() is None
    await settle(queued, DeliveryState.SENT, 12)
    assert await first_response() == 12 * 60


async def test_the_customer_is_the_earliest_inbound_whatever_arrived_first(
    store: TicketStore,
) -> None:
    """The projection reads a busy ticket's outbound interactions and its earliest inbound
    one only: a message that occurred before the opener, delivered after it, is the
    customer's, and a reply among many messages still answers."""
    ticket = await open_for(store, message("post-1", minutes=10))
    moves = [
        (20, "user-2", Direction.INBOUND),
        (2, "user-0", Direction.INBOUND),
        (25, "brand", Direction.OUTBOUND),
        (30, "user-3", Direction.INBOUND),
    ]
    for minutes, author, direction in moves:
        later = message("post-1", minutes=minutes).model_copy(
            update={"author": Author(id=author), "direction": direction}
        )
        stored = await record(store, later)
        change = follow_up_of(ticket, stored, minutes=minutes)
        ticket = await save(
            store, change, expected_version=ticket.version, interaction_id=stored.id
        )
        await report_projection.ticket_changed(store=store, ticket_id=ticket.id)
        assert await held_facts(store, ticket.id) == await facts_from_whole_reads(store, ticket.id)
    facts = await held_facts(store, ticket.id)
    assert facts is not None
    assert facts.author == "facebook:user-0"
    assert facts.first_response_seconds == 25 * 60  # opened at T0, answered at minute 25
