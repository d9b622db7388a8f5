"""The ticket list's filters as SQL over the tickets table. Each filter has an index ending
in the list's order (schema.INDEXES_ON_ADDED_COLUMNS); fields kept inside ``extra`` are
indexed by the very ``json_extract`` expression used here, so the two must stay alike.
A new filter is one entry in COLUMNS or EXTRA_FIELDS (with its index), or a clause below."""

from __future__ import annotations

import re

from contracts.tickets import TicketFilters
from ticketing.domain import search
from ticketing.domain.access import Visibility
from ticketing.store.codec import iso
from ticketing.store.sqlite import people
from ticketing.store.sqlite.schema import NOT_REMOVED

COLUMNS = ("status", "priority", "level", "channel", "assignee", "account")
"""Filters on columns of their own."""

EXTRA_FIELDS = ("team", "kind", "scope", "direction")
"""Filters on fields of ``extra``."""

WHOLE_PROTOCOL = re.compile(r"\d{4}-\d{6}")


def extra_field(name: str) -> str:
    return f"json_extract(extra, '$.{name}')"


def where(query: TicketFilters, visible: Visibility | None) -> tuple[list[str], list[object]]:
    include_removed = bool(getattr(query, "include_removed", False))
    clauses: list[str] = [] if include_removed else [NOT_REMOVED]
    params: list[object] = []
    if visible is not None:
        levels = ", ".join("?" for _ in visible.levels) or "NULL"
        clauses.append(f"(assignee = ? OR level IN ({levels}))")
        params.extend([visible.agent, *visible.levels])
    chosen: list[tuple[str, list[str]]] = [
        (name, [str(v) for v in getattr(query, name)]) for name in COLUMNS
    ]
    chosen += [(extra_field(name), [str(v) for v in getattr(query, name)]) for name in EXTRA_FIELDS]
    for expression, values in chosen:
        if values:
            clauses.append(f"{expression} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if query.tag:
        clauses.append(
            "id IN (SELECT ticket_id FROM ticket_tags WHERE tag IN "
            f"({', '.join('?' for _ in query.tag)}))"
        )
        params.extend(tag.casefold() for tag in query.tag)
    if query.group:
        clause, group_params = people.tickets_of_groups(query.group)
        clauses.append(clause)
        params.extend(group_params)
    # The SLA filters (issue 12) read the scanner's last reading.
    bands: list[str] = ["overdue"] if query.overdue else list(query.sla_band)
    if query.overdue and query.sla_band and "overdue" not in query.sla_band:
        bands = ["none"]
    if bands:
        clauses.append(f"sla_band IN ({', '.join('?' for _ in bands)})")
        params.extend(bands)
    if query.protocol is not None:
        if WHOLE_PROTOCOL.fullmatch(query.protocol):
            clauses.append("protocol = ?")
        else:
            # A part of the number: a walk of the protocol index (narrow entries), not of
            # the table.
            clauses.append("rowid IN (SELECT rowid FROM tickets WHERE instr(protocol, ?) > 0)")
        params.append(query.protocol)
    if query.text is not None:
        clauses.append(f"id IN ({MATCHING_TICKETS})")
        params.append(search.match_expression(query.text))
    for column, bound, operator in (
        ("opened_at", query.opened_from, ">="),
        ("opened_at", query.opened_to, "<"),
        ("updated_at", query.updated_from, ">="),
        ("updated_at", query.updated_to, "<"),
    ):
        if bound is not None:
            clauses.append(f"{column} {operator} ?")
            params.append(iso(bound))
    return clauses, params


MATCHING_TICKETS = (
    "SELECT CASE search_docs.kind WHEN 'ticket' THEN search_docs.ref"
    " ELSE interactions.ticket_id END"
    " FROM search_text JOIN search_docs ON search_docs.doc = search_text.rowid"
    " LEFT JOIN interactions ON search_docs.kind = 'interaction'"
    " AND interactions.id = search_docs.ref"
    " WHERE search_text MATCH ?"
)
"""The tickets whose title or one of whose interactions holds every word (see search.py)."""
