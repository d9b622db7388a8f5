"""What every adapter must do for the report counters: hold the sum of the facts projected,
move a ticket's counts when its facts change, count an event handled twice once, refuse
facts older than those held, and filter by level."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from ticketing.domain import reports
from ticketing.domain.reports import TicketFacts
from ticketing.store.port import TicketStore

OPENED = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
HOUR = reports.epoch_hour(OPENED)


def facts(**changes: object) -> TicketFacts:
    base = TicketFacts(
        level="basic",
        status="new",
        priority="normal",
        channel="instagram",
        account="brand",
        agent="",
        author="instagram:ana",
        opened_at=OPENED,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def by_value(store: TicketStore, dim: str, levels: list[str] | None = None) -> dict[str, int]:
    rows = await store.report_rows(reports.OPENED, dim, HOUR, HOUR + 1, levels)
    out: dict[str, int] = {}
    for row in rows:
        out[row.value] = out.get(row.value, 0) + row.n
    return out


async def test_counters_hold_the_sum_of_the_projected_tickets(store: TicketStore) -> None:
    await store.project_ticket(uuid4(), facts(), version=1)
    await store.project_ticket(uuid4(), facts(channel="email"), version=1)
    await store.project_ticket(uuid4(), facts(channel="email", level="legal"), version=1)

    assert await by_value(store, "channel") == {"instagram": 1, "email": 2}
    assert await by_value(store, reports.ALL) == {"": 3}


async def test_a_change_moves_the_ticket_from_its_old_value_to_its_new_one(
    store: TicketStore,
) -> None:
    ticket = uuid4()
    await store.project_ticket(ticket, facts(), version=1)
    await store.project_ticket(ticket, facts(status="open"), version=2)

    assert await by_value(store, "status") == {"open": 1}
    assert await by_value(store, reports.ALL) == {"": 1}


async def test_the_same_facts_projected_twice_count_once(store: TicketStore) -> None:
    ticket = uuid4()
    assert await store.project_ticket(ticket, facts(), version=1)
    assert not await store.project_ticket(ticket, facts(), version=1)
    await asyncio.gather(*(store.project_ticket(ticket, facts(), version=1) for _ in range(5)))

    assert await by_value(store, "channel") == {"instagram": 1}


async def test_facts_older_than_those_held_are_refused(store: TicketStore) -> None:
    ticket = uuid4()
    await store.project_ticket(ticket, facts(status="open"), version=3)
    assert not await store.project_ticket(ticket, facts(status="new"), version=2)

    assert await by_value(store, "status") == {"open": 1}


async def test_unchanged_facts_at_a_newer_version_still_refuse_older_ones(
    store: TicketStore,
) -> None:
    """A reading that changes nothing counted writes no counter, but the version it was read
    at is kept: a reading older than it, arriving late, cannot put back older facts."""
    ticket = uuid4()
    await store.project_ticket(ticket, facts(status="open"), version=1)
    assert not await store.project_ticket(ticket, facts(status="open"), version=3)
    assert not await store.project_ticket(ticket, facts(status="new"), version=2)

    assert await by_value(store, "status") == {"open": 1}
    assert await store.project_ticket(ticket, facts(status="pending"), version=4)
    assert await by_value(store, "status") == {"pending": 1}


async def test_a_ticket_projected_as_none_leaves_every_counter(store: TicketStore) -> None:
    ticket = uuid4()
    await store.project_ticket(ticket, facts(done_at=OPENED + timedelta(hours=2)), version=1)
    await store.project_ticket(ticket, None, version=2)

    assert await by_value(store, reports.ALL) == {}
    assert await store.report_totals_before(reports.DONE, "level", HOUR + 10, None) == []


async def test_agents_levels_filter_the_counters(store: TicketStore) -> None:
    await store.project_ticket(uuid4(), facts(level="basic"), version=1)
    await store.project_ticket(uuid4(), facts(level="legal"), version=1)

    assert await by_value(store, reports.ALL, ["legal"]) == {"": 1}
    assert await by_value(store, reports.ALL, []) == {}


async def test_totals_before_an_hour_sum_every_earlier_counter(store: TicketStore) -> None:
    await store.project_ticket(uuid4(), facts(), version=1)
    earlier = facts(opened_at=OPENED - timedelta(days=3))
    await store.project_ticket(uuid4(), earlier, version=1)
    await store.project_ticket(uuid4(), facts(opened_at=OPENED + timedelta(days=1)), version=1)

    totals = await store.report_totals_before(reports.OPENED, "level", HOUR + 1, None)

    assert [(t.hour, t.value, t.n) for t in totals] == [(None, "basic", 2)]


async def test_unique_authors_keep_one_counter_per_author(store: TicketStore) -> None:
    await store.project_ticket(uuid4(), facts(), version=1)
    await store.project_ticket(uuid4(), facts(), version=1)
    await store.project_ticket(uuid4(), facts(author="email:bia@x.com"), version=1)

    rows = await store.report_rows(reports.AUTHORS, reports.ALL, HOUR, HOUR + 1, None)

    assert sorted((r.extra, r.n) for r in rows) == [("email:bia@x.com", 1), ("instagram:ana", 2)]


async def test_the_store_sums_the_hours_of_each_group_it_is_given(store: TicketStore) -> None:
    # São Paulo days (UTC-3): 23:30 local on May 31st and 06:30 local on June 1st.
    late_on_may_31st = facts(opened_at=datetime(2026, 6, 1, 2, 30, tzinfo=UTC))
    await store.project_ticket(uuid4(), late_on_may_31st, version=1)
    await store.project_ticket(uuid4(), facts(), version=1)
    await store.project_ticket(uuid4(), facts(opened_at=OPENED + timedelta(hours=5)), version=1)

    rows = await store.report_rows(
        reports.OPENED, reports.ALL, HOUR - 24, HOUR + 24, None, shift=-3, width=24
    )

    local_midnights = {
        reports.hour_start(r.hour).astimezone(ZoneInfo("America/Sao_Paulo")).isoformat(): r.n
        for r in rows
    }
    assert local_midnights == {
        "2026-05-31T00:00:00-03:00": 1,
        "2026-06-01T00:00:00-03:00": 2,
    }
