"""Every filter the API offers is served by an index on SQLite: the statements the adapter
runs for each query are explained, and none reads a whole table or sorts the whole desk."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contracts.interaction import Channel, Direction, Kind
from contracts.interaction import Visibility as Scope
from contracts.tickets import InteractionQuery, TicketQuery, page_cursor
from ticketing.domain.access import Visibility
from ticketing.store.sqlite import SqliteTicketStore, directory, interactions, reads, search

CURSOR = page_cursor("2026-03-10T12:00:00.000000Z", "00000000-0000-0000-0000-000000000000")

TICKET_QUERIES = {
    "desk": TicketQuery(),
    "deep page by cursor": TicketQuery(cursor=CURSOR),
    "status": TicketQuery(status=["new"]),
    "status and priority": TicketQuery(status=["new"], priority=["high"]),
    "priority": TicketQuery(priority=["high"]),
    "level": TicketQuery(level=["N2"]),
    "channel": TicketQuery(channel=[Channel.INSTAGRAM]),
    "assignee": TicketQuery(assignee=["ana"]),
    "tag": TicketQuery(tag=["vip"]),
    "group": TicketQuery(group=["vip"]),
    "include_removed": TicketQuery(include_removed=True),
    "sla band": TicketQuery(sla_band=["red"]),
    "overdue": TicketQuery(overdue=True),
    "account": TicketQuery(account=["acme-page"]),
    "team": TicketQuery(team=["vendas"]),
    "kind": TicketQuery(kind=[Kind.POST]),
    "scope": TicketQuery(scope=[Scope.PRIVATE]),
    "direction": TicketQuery(direction=[Direction.OUTBOUND]),
    "whole protocol": TicketQuery(protocol="2026-000123"),
    "part of a protocol": TicketQuery(protocol="0001"),
    "opened range": TicketQuery(
        opened_from=datetime(2026, 3, 1, tzinfo=UTC), opened_to=datetime(2026, 4, 1, tzinfo=UTC)
    ),
    "updated range": TicketQuery(
        updated_from=datetime(2026, 3, 1, tzinfo=UTC), updated_to=datetime(2026, 4, 1, tzinfo=UTC)
    ),
    "opened range, by opening": TicketQuery(
        sort="opened", opened_from=datetime(2026, 3, 1, tzinfo=UTC)
    ),
    "text": TicketQuery(text="reclamação"),
    "by opening": TicketQuery(sort="opened"),
    "by opening, oldest first": TicketQuery(sort="opened", order="asc"),
    "by opening and status": TicketQuery(sort="opened", status=["new"]),
}
SORTED_AFTER_AN_INDEX_LOOKUP = {
    "tag",
    "group",
    "text",
    "whole protocol",
    "part of a protocol",
    "opened range",
}
"""Their matches are found by an index and then sorted: a tag's in a table of its own, a
group's through people (their identities, their interactions), a text's in the search index,
a protocol's in the protocol index, an opening range in the opening index (read in order when
the list is sorted by opening)."""
INTERACTION_QUERIES = {
    "newest": InteractionQuery(),
    "channel": InteractionQuery(channel=[Channel.INSTAGRAM]),
    "kind": InteractionQuery(kind=[Kind.COMMENT]),
    "account": InteractionQuery(account=["acme-page"]),
    "author": InteractionQuery(author=["user-1"]),
    "text": InteractionQuery(text="entrega"),
    "without a ticket": InteractionQuery(has_ticket=False),
    "with a ticket": InteractionQuery(has_ticket=True),
    "dates": InteractionQuery(
        occurred_from=datetime(2026, 3, 1, tzinfo=UTC), occurred_to=datetime(2026, 4, 1, tzinfo=UTC)
    ),
}


class Recording:
    """A connection that keeps every statement run through it."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.statements: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self.statements.append((sql, params))
        return self.connection.execute(sql, params)


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    async def create() -> None:
        store = SqliteTicketStore(tmp_path / "ticketing.db")
        await store.open()
        await store.close()

    import asyncio

    asyncio.run(create())
    with sqlite3.connect(tmp_path / "ticketing.db") as opened:
        opened.row_factory = sqlite3.Row
        yield opened


def _plans(connection: sqlite3.Connection, recorded: Recording) -> list[str]:
    return [
        " | ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        for sql, params in recorded.statements
    ]


def _reads_a_whole_table(plan: str) -> bool:
    steps = [step.strip() for step in plan.split("|")]
    return any(
        step.startswith("SCAN")
        and not step.startswith("SCAN (subquery")  # the capped count's own few rows
        and "USING" not in step
        and "VIRTUAL TABLE" not in step
        for step in steps
    )


@pytest.mark.parametrize("name", TICKET_QUERIES)
def test_each_ticket_filter_reads_an_index(connection: sqlite3.Connection, name: str) -> None:
    recorded = Recording(connection)
    reads.list_tickets(recorded, TICKET_QUERIES[name], None)  # type: ignore[arg-type]
    plans = _plans(connection, recorded)
    assert len(plans) == 2, plans  # the capped count and the page
    assert not any(_reads_a_whole_table(p) for p in plans), plans
    # The page is read in the index's order, no sorting of every match.
    if name not in SORTED_AFTER_AN_INDEX_LOOKUP:
        assert "TEMP B-TREE" not in plans[1], plans


def test_the_priority_sort_reads_each_priority_in_index_order(
    connection: sqlite3.Connection,
) -> None:
    recorded = Recording(connection)
    reads.list_tickets(  # type: ignore[arg-type]
        recorded, TicketQuery(sort="priority"), None, ("urgent", "high", "medium", "low")
    )
    plans = _plans(connection, recorded)
    assert len(plans) == 5, plans  # the count, then one walk per priority (none has a row)
    assert not any(_reads_a_whole_table(p) or "TEMP B-TREE" in p for p in plans[1:]), plans


def test_search_reads_the_full_text_index(connection: sqlite3.Connection) -> None:
    recorded = Recording(connection)
    search.find(recorded, "reclamação", Visibility("ana", ("N2",), ("acme-page",)), 20)  # type: ignore[arg-type]
    [plan] = _plans(connection, recorded)
    assert "VIRTUAL TABLE INDEX" in plan and not _reads_a_whole_table(plan), plan


def test_an_agents_view_reads_indexes(connection: sqlite3.Connection) -> None:
    recorded = Recording(connection)
    reads.list_tickets(recorded, TicketQuery(), Visibility("ana", ("N2",)))  # type: ignore[arg-type]
    assert not any(_reads_a_whole_table(p) for p in _plans(connection, recorded))


@pytest.mark.parametrize("name", INTERACTION_QUERIES)
def test_each_interaction_filter_reads_an_index(connection: sqlite3.Connection, name: str) -> None:
    recorded = Recording(connection)
    interactions.find(recorded, INTERACTION_QUERIES[name])  # type: ignore[arg-type]
    plans = _plans(connection, recorded)
    assert len(plans) == 2, plans
    assert not any(_reads_a_whole_table(p) for p in plans), plans
    if name == "text":
        assert all("VIRTUAL TABLE INDEX" in p for p in plans), plans
    else:
        assert "TEMP B-TREE" not in plans[1], plans


def test_auto_close_reads_the_idle_index(connection: sqlite3.Connection) -> None:
    recorded = Recording(connection)
    reads.idle(recorded, "N1", datetime(2026, 3, 1, tzinfo=UTC), 100)  # type: ignore[arg-type]
    [plan] = _plans(connection, recorded)
    assert "USING INDEX tickets_idle" in plan and "TEMP B-TREE" not in plan, plan


def test_counting_a_levels_open_tickets_reads_a_level_index(
    connection: sqlite3.Connection,
) -> None:
    """Deleting a level first counts its open tickets: a lookup, not a pass over the desk."""
    recorded = Recording(connection)
    directory.open_tickets_on_level_in(recorded, "N1")  # type: ignore[arg-type]
    [plan] = _plans(connection, recorded)
    assert "USING INDEX tickets_" in plan and "(level=?" in plan, plan
    assert not _reads_a_whole_table(plan), plan


def test_deleting_a_level_and_pinning_one_are_index_lookups(
    connection: sqlite3.Connection,
) -> None:
    """The delete's guards (open tickets on the level, live pins) and a pin's own statements
    look up the level, whatever the size of the desk."""
    recorded = Recording(connection)
    directory.delete_level_in(recorded, "N1", 1e9)  # type: ignore[arg-type]
    directory.pin_level_in(recorded, "N1", 1e9)  # type: ignore[arg-type]
    plans = _plans(connection, recorded)
    assert len(plans) >= 3, plans
    # The pin's INSERT … SELECT reads no table of its own ("SCAN CONSTANT ROW").
    assert all(not _reads_a_whole_table(p.replace("SCAN CONSTANT ROW", "")) for p in plans), plans
    [delete] = [
        p
        for sql, p in zip(recorded.statements, plans, strict=True)
        if "DELETE FROM directory" in sql[0]
    ]
    assert "USING INDEX tickets_" in delete and "(level=?" in delete, delete
    assert "USING COVERING INDEX level_pins_level" in delete, delete


def test_sub_tickets_and_a_ticket_by_protocol_are_index_lookups(
    connection: sqlite3.Connection,
) -> None:
    recorded = Recording(connection)
    reads.children(recorded, __import__("uuid").uuid4())  # type: ignore[arg-type]
    reads.one(recorded, "protocol = ?", "2026-000001")  # type: ignore[arg-type]
    plans = _plans(connection, recorded)
    assert "USING INDEX tickets_parent" in plans[0], plans
    assert not any(_reads_a_whole_table(p) or "TEMP B-TREE" in p for p in plans), plans


def test_the_sla_scan_reads_only_due_tickets_from_its_index(
    connection: sqlite3.Connection,
) -> None:
    recorded = Recording(connection)
    reads.sla_due(recorded, datetime(2026, 3, 1, tzinfo=UTC), 200)  # type: ignore[arg-type]
    [plan] = _plans(connection, recorded)
    assert "USING INDEX tickets_sla_next" in plan and "TEMP B-TREE" not in plan, plan


def test_sorting_by_time_left_and_counting_bands_read_indexes(
    connection: sqlite3.Connection,
) -> None:
    recorded = Recording(connection)
    reads.list_tickets(recorded, TicketQuery(sort="sla_due"), None)  # type: ignore[arg-type]
    reads.sla_counts(recorded, "N1")  # type: ignore[arg-type]
    plans = _plans(connection, recorded)
    assert not any(_reads_a_whole_table(p) for p in plans), plans
    assert "TEMP B-TREE" not in plans[1], plans
