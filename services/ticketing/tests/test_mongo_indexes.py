"""Every filter the API offers has a MongoDB index the adapter declares. mongomock ignores
indexes when it queries, so this reads the declared specs (and checks open() creates them)."""

from __future__ import annotations

from typing import Any

from contracts.tickets import InteractionQuery, TicketQuery
from devtools.store_backends import MongomockClient
from ticketing.store.mongo import MongoTicketStore
from ticketing.store.mongo.indexes import INDEXES

LIST_ORDER = [("updated_at", -1), ("_id", 1)]
INTERACTION_ORDER = [("occurred_at", -1), ("id", -1)]

TICKET_FILTERS = {
    "status": ["status"],
    "priority": ["priority"],
    "level": ["level"],
    "channel": ["channel"],
    "assignee": ["assignee"],
    "tag": ["tags_folded"],
    "sla_band": ["sla_band"],
    "overdue": ["sla_band"],
    "account": ["account"],
    "team": ["extra.team"],
    "kind": ["extra.kind"],
    "scope": ["extra.scope"],
    "direction": ["extra.direction"],
}
OTHER_TICKET_FILTERS = {
    # A part of a protocol: a regular expression walking the protocol index's keys.
    "protocol": [("protocol", 1)],
    # Words of the title or of an interaction (full-text search's word indexes).
    "text": [("title_words", 1), ("updated_at", -1)],
    # Ranges on the two times the list is ordered by.
    "opened_from": [("removed", 1), ("opened_at", -1), ("_id", 1)],
    "opened_to": [("removed", 1), ("opened_at", -1), ("_id", 1)],
    "updated_from": [("removed", 1), *LIST_ORDER],
    "updated_to": [("removed", 1), *LIST_ORDER],
}
INTERACTION_FILTERS = {
    "channel": "search.channel",
    "kind": "search.kind",
    "account": "search.account",
    "author": "search.author",
    "has_ticket": "ticket_id",
}


def _keys(collection: str) -> list[list[tuple[str, Any]]]:
    return [list(index.keys) for index in INDEXES[collection]]


def test_every_ticket_filter_the_api_offers_is_listed_here() -> None:
    paging = {"page", "page_size", "cursor", "include_removed", "sort", "order"}
    by_people = {"group"}  # resolved to ticket ids through people and interactions (people.py)
    assert set(TicketQuery.model_fields) - paging - by_people == set(TICKET_FILTERS) | set(
        OTHER_TICKET_FILTERS
    )


def test_the_filters_without_an_index_of_their_own_use_one_declared() -> None:
    keys = _keys("tickets")
    for name, index in OTHER_TICKET_FILTERS.items():
        assert index in keys, name
    assert [("search.words", 1), ("occurred_at", -1)] in _keys("interactions")


def test_each_ticket_filter_has_an_index_in_the_lists_order() -> None:
    keys = _keys("tickets")
    assert [("removed", 1), *LIST_ORDER] in keys  # the desk, and cursor pages of it
    assert LIST_ORDER in keys  # audits (include_removed)
    for fields in TICKET_FILTERS.values():
        assert [("removed", 1), *((f, 1) for f in fields), *LIST_ORDER] in keys, fields
    assert [("removed", 1), ("status", 1), ("priority", 1), *LIST_ORDER] in keys


def test_counting_a_levels_open_tickets_has_an_index() -> None:
    """Deleting a level first counts its tickets on the desk (removed, level, status)."""
    assert [("removed", 1), ("level", 1), *LIST_ORDER] in _keys("tickets")


def test_the_sla_scanner_sort_and_counts_have_indexes() -> None:
    keys = _keys("tickets")
    assert [("sla_next_at", 1)] in keys
    assert [("removed", 1), ("sla_due_at", 1), ("_id", 1)] in keys
    assert [("level", 1), ("sla_band", 1)] in keys


def test_sub_tickets_and_protocols_have_indexes() -> None:
    keys = _keys("tickets")
    assert [("parent_id", 1), ("opened_at", 1), ("_id", 1)] in keys
    assert [("protocol", 1)] in keys


def test_each_interaction_filter_has_an_index() -> None:
    paging = {"page", "page_size", "text", "occurred_from", "occurred_to"}
    assert set(InteractionQuery.model_fields) - paging == set(INTERACTION_FILTERS)
    keys = _keys("interactions")
    assert INTERACTION_ORDER in keys  # newest first, and the date range
    for field in INTERACTION_FILTERS.values():
        assert [(field, 1), *INTERACTION_ORDER] in keys, field
    assert [("search.grams", 1)] in keys  # text


async def test_open_creates_the_declared_indexes() -> None:
    client = MongomockClient(tz_aware=True)
    store = MongoTicketStore("mongodb://mongomock", database="indexes", client=client)
    await store.open()
    for collection, indexes in INDEXES.items():
        info = await client["indexes"][collection].index_information()
        created = [[(k, int(d)) for k, d in spec["key"]] for spec in info.values()]
        for index in indexes:
            assert [(k, int(d)) for k, d in index.keys] in created, (collection, index.keys)
    await store.close()
