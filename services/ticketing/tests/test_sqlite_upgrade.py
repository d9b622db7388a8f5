"""A ticketing SQLite file written by an earlier version keeps working."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID, uuid4

from contracts.interaction import Channel, Kind
from contracts.rules import RuleMatch, TriageDecision
from contracts.tickets import InteractionQuery, StoredInteraction, TicketQuery
from ticketing.domain import lifecycle
from ticketing.domain.threading import thread_key
from ticketing.domain.tickets import Ticket
from ticketing.shared import report_facts
from ticketing.store.port import Collected
from ticketing.store.sqlite import SqliteTicketStore
from ticketing.store.sqlite.schema import EXTRA_INDEXED, NOT_REMOVED

from .test_store_contract import T0, Opening, message, open_for, record


async def test_a_file_from_an_earlier_version_gets_the_new_column(tmp_path: Path) -> None:
    path = tmp_path / "ticketing.db"
    first = SqliteTicketStore(path)
    await first.open()
    old = await open_for(first, message("post-1"))
    await first.close()
    with sqlite3.connect(path) as connection:  # as an earlier version left it
        connection.execute("DROP INDEX tickets_on_desk")
        for field in EXTRA_INDEXED:  # the list's filters on fields of ``extra`` came later
            connection.execute(f"DROP INDEX tickets_desk_{field}")
        connection.execute("ALTER TABLE tickets DROP COLUMN extra")

    again = SqliteTicketStore(path)
    await again.open()
    try:
        new = await open_for(again, message("post-2"))
        items, total, *_ = await again.list_tickets(TicketQuery())
    finally:
        await again.close()

    assert total == 2
    assert {t.id for t in items} == {old.id, new.id}


async def test_the_desk_list_and_its_count_read_an_index_not_every_ticket(tmp_path: Path) -> None:
    path = tmp_path / "ticketing.db"
    store = SqliteTicketStore(path)
    await store.open()
    await store.close()
    with sqlite3.connect(path) as connection:
        plans = [
            " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {query}"))
            for query in (
                f"SELECT COUNT(*) FROM tickets WHERE {NOT_REMOVED}",
                f"SELECT * FROM tickets WHERE {NOT_REMOVED} ORDER BY updated_at DESC, id LIMIT 50",
            )
        ]
    count, page = plans
    # Both desk indexes (by activity, by opening) hold every ticket on the desk: either
    # counts them without reading a ticket.
    assert "USING INDEX tickets_on_desk" in page, plans
    assert "USING INDEX tickets_on_desk" in count or (
        "USING INDEX tickets_opened_on_desk" in count
    ), plans
    assert not any("TEMP B-TREE" in plan for plan in plans), plans


def _as_the_previous_version_left_it(path: Path) -> None:
    """removed and parent_id inside ``extra``, interactions without their filter columns or
    text index, and the desk's index over json_extract."""
    with sqlite3.connect(path) as connection:
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND name NOT IN ('tickets_thread', 'tickets_status', 'tickets_updated',"
            " 'tickets_assignee', 'ticket_tags_tag', 'interactions_unticketed', 'history_ticket',"
            " 'outbox_created')"
        ).fetchall():
            connection.execute(f"DROP INDEX {name}")
        connection.execute("DROP TABLE interaction_text")
        connection.execute(
            "UPDATE tickets SET extra = json_set(extra, '$.removed', json(CASE removed WHEN 1"
            " THEN 'true' ELSE 'false' END), '$.parent_id', parent_id)"
        )
        for table, column in [
            ("tickets", "removed"),
            ("tickets", "parent_id"),
            *(("interactions", c) for c in ("channel", "kind", "account", "author", "direction")),
        ]:
            connection.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        connection.execute(
            "CREATE INDEX interactions_ticket ON interactions (ticket_id, occurred_at)"
        )
        connection.execute(
            "CREATE INDEX tickets_on_desk ON tickets (updated_at DESC, id)"
            " WHERE COALESCE(json_extract(extra, '$.removed'), 0) = 0"
        )


async def test_a_file_from_the_previous_version_gets_its_filters_as_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ticketing.db"
    first = SqliteTicketStore(path)
    await first.open()
    kept = await open_for(first, message("post-1"))
    gone = await open_for(first, message("post-2"))
    await first.update_ticket(
        dataclasses.replace(gone, removed=True),
        expected_version=gone.version,
        interaction_id=None,
        history=[],
        events=[],
    )
    child = await first.create_ticket(
        lifecycle.child(kept, title="Laudo", now=T0, opened_by="agent:ana"),
        year=2026,
        interaction_id=None,
        history=lambda t: [],
        announce=lambda t: [],
    )
    await first.close()
    _as_the_previous_version_left_it(path)

    again = SqliteTicketStore(path)
    await again.open()
    try:
        desk = await again.list_tickets(TicketQuery())
        children = await again.children_of(kept.id)
        found = await again.list_interactions(
            InteractionQuery(text="NEVER ARRIVED", channel=[Channel.FACEBOOK])
        )
        removed = await again.get_ticket(gone.id)
        # The report projection reads the customer from the direction column.
        await again.project_report(kept.id, report_facts.facts_of)
        [kept_author] = await again.report_rows("authors", "all", 0, 10**9, None)
    finally:
        await again.close()

    assert {t.id for t in desk.items} == {kept.id, child.id}
    assert [t.id for t in children] == [child.id]
    assert found.total == 2
    assert removed is not None and removed.removed
    assert kept_author.extra == "facebook:user-1"
    with sqlite3.connect(path) as connection:
        [desk_index] = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'tickets_on_desk'"
        ).fetchone()
        directions = connection.execute("SELECT DISTINCT direction FROM interactions").fetchall()
    assert "json_extract" not in desk_index
    assert directions == [("inbound",)]


async def test_interactions_stored_before_decisions_were_kept_are_collected_without_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ticketing.db"
    earlier = SqliteTicketStore(path)
    await earlier.open()
    old = await record(earlier, message("post-1", minutes=1))
    await earlier.close()
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE interactions DROP COLUMN decision")

    store = SqliteTicketStore(path)
    await store.open()
    decision = TriageDecision(matched=[RuleMatch(rule_id=uuid4(), rule_name="r")], tags=["x"])
    comment = message("post-1", minutes=2)
    new = await store.record_interaction(
        StoredInteraction(id=uuid4(), ticket_id=None, received_at=T0, interaction=comment),
        thread_key=thread_key(comment),
        decision=decision,
    )
    seen: list[tuple[UUID, TriageDecision | None]] = []

    def apply(ticket: Ticket, collected: Sequence[Collected]) -> Ticket:
        seen.extend((c.stored.id, c.decision) for c in collected)
        return ticket

    opening = Opening(message("post-1", minutes=3))
    await store.create_ticket(
        opening.ticket,
        year=2026,
        interaction_id=None,
        history=opening.make_history,
        announce=opening.announce,
        apply_collected=apply,
    )
    await store.close()
    assert seen == [(old.id, None), (new.id, decision)]


async def test_a_file_from_before_search_gets_its_tickets_searchable_and_filterable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ticketing.db"
    first = SqliteTicketStore(path)
    await first.open()
    older = await open_for(first, message("post-1"))
    await first.close()
    with sqlite3.connect(path) as connection:  # as the version before search left it
        connection.execute("DROP TABLE search_text")
        connection.execute("DROP TABLE search_docs")
        connection.execute(
            "UPDATE tickets SET extra = json_remove(extra, '$.kind', '$.scope', '$.direction')"
        )

    again = SqliteTicketStore(path)
    await again.open()
    try:
        found = await again.search("arrived")
        by_kind = await again.list_tickets(TicketQuery(kind=[Kind.COMMENT]))
        reread = await again.get_ticket(older.id)
    finally:
        await again.close()

    assert {(m.kind, m.ticket_id) for m in found} == {
        ("ticket", str(older.id)),
        ("interaction", str(older.id)),
    }
    assert [t.id for t in by_kind.items] == [older.id]
    assert reread is not None
    assert (reread.kind, reread.scope, reread.direction) == ("comment", "public", "inbound")
