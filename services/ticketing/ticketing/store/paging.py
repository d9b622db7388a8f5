"""The ticket list's order and cursor positions, shared by both adapters: which column a
sort reads, and for the priority sort, which priorities a page walks from a cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from contracts.tickets import TicketQuery, page_cursor, read_position

SORT_FIELD = {"updated": "updated_at", "opened": "opened_at", "priority": "updated_at"}
"""The time a sort orders by (the priority sort: last activity within each priority)."""


class Position(NamedTuple):
    value: str
    ticket_id: str


class Step(NamedTuple):
    """One stretch of a page: tickets of ``priority`` (None: any), after ``after``."""

    priority: str | None
    after: Position | None


def steps(query: TicketQuery, priorities: Sequence[str]) -> list[Step]:
    """What a page reads, in order. The priority sort walks the scale (highest first, or
    lowest with ``order=asc``) one priority at a time, each an index walk in activity order,
    starting at the cursor's priority and position; the other sorts are one walk."""
    after = None
    priority = ""
    if query.cursor is not None:
        value, ticket_id, sort = read_position(query.cursor)
        after, priority = Position(value, ticket_id), sort.removeprefix("priority:")
    if query.sort != "priority":
        return [Step(None, after)]
    scale = list(priorities) if query.order == "desc" else list(reversed(priorities))
    if query.priority:
        scale = [p for p in scale if p in query.priority]
    if after is None or priority not in scale:
        return [Step(p, None) for p in scale]
    start = scale.index(priority)
    return [Step(priority, after), *(Step(p, None) for p in scale[start + 1 :])]


def next_cursor(query: TicketQuery, doc: dict[str, object], ticket_id: str) -> str:
    sort = f"priority:{doc['priority']}" if query.sort == "priority" else ""
    return page_cursor(str(doc[SORT_FIELD[query.sort]]), ticket_id, sort)
