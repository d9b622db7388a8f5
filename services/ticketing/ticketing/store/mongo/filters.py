"""The ticket list's filters as a MongoDB query. Each filter has an index ending in the
list's order (indexes.DESK_FILTERS). A new filter is one entry in FIELDS (with its index)
or a clause below."""

from __future__ import annotations

import re
from typing import Any

from contracts.tickets import TicketFilters
from ticketing.domain import search
from ticketing.domain.access import Visibility
from ticketing.store.codec import iso
from ticketing.store.mongo.documents import NUMBERED, fold

FIELDS = {
    "status": "status",
    "priority": "priority",
    "level": "level",
    "channel": "channel",
    "assignee": "assignee",
    "account": "account",
    "team": "extra.team",
    "kind": "extra.kind",
    "scope": "extra.scope",
    "direction": "extra.direction",
}
"""Query field -> document field, for the "any of" filters."""


def where(
    query: TicketFilters, visible: Visibility | None, text_matches: list[str] | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The query, and its ``$and`` parts kept apart so a cursor's condition can join them.
    ``text_matches`` are the ids of the tickets ``query.text`` found (see search.py)."""
    found: dict[str, Any] = {**NUMBERED}
    if not getattr(query, "include_removed", False):
        found["removed"] = False
    ands: list[dict[str, Any]] = []
    if visible is not None:
        ands.append(
            {"$or": [{"assignee": visible.agent}, {"level": {"$in": list(visible.levels)}}]}
        )
    for name, field in FIELDS.items():
        values = [str(v) for v in getattr(query, name)]
        if values:
            found[field] = {"$in": values}
    if query.tag:
        found["tags_folded"] = {"$in": [fold(t) for t in query.tag]}
    if query.protocol is not None:
        # A regular expression on an indexed field walks the index's keys, not the documents.
        found["protocol"] = {"$regex": re.escape(query.protocol)}
    if text_matches is not None:
        found["_id"] = {"$in": text_matches}
    for field, low, high in (
        ("opened_at", query.opened_from, query.opened_to),
        ("updated_at", query.updated_from, query.updated_to),
    ):
        bounds: dict[str, str] = {}
        if low is not None:
            bounds["$gte"] = iso(low)
        if high is not None:
            bounds["$lt"] = iso(high)
        if bounds:
            found[field] = bounds
    return found, ands


def text_words(query: TicketFilters) -> list[str] | None:
    return search.words(query.text) if query.text is not None else None
