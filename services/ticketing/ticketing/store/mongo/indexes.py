"""Every index the MongoDB adapter declares, as data: ``open()`` creates them and a unit test
reads them to check that each filter the API offers has one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING

from ticketing.store.mongo.documents import NUMBERED, Collections


@dataclass(frozen=True)
class Index:
    keys: list[tuple[str, Any]]
    options: dict[str, Any] = field(default_factory=dict)


LIST_ORDER = [("updated_at", DESCENDING), ("_id", ASCENDING)]
"""The ticket list's sort; the desk indexes end with it so a page is read in order."""
OPENED_ORDER = [("opened_at", DESCENDING), ("_id", ASCENDING)]
"""``sort=opened``: the desk and by status."""
INTERACTION_ORDER = [("occurred_at", DESCENDING), ("id", DESCENDING)]

DESK_FILTERS = {
    "status": ["status"],
    "status_priority": ["status", "priority"],
    "priority": ["priority"],
    "level": ["level"],
    "channel": ["channel"],
    "assignee": ["assignee"],
    "tag": ["tags_folded"],
    "sla_band": ["sla_band"],
    "account": ["account"],
    "team": ["extra.team"],
    "kind": ["extra.kind"],
    "scope": ["extra.scope"],
    "direction": ["extra.direction"],
}
"""One index per filter of the ticket list: (removed, the filter's fields, the list order)."""

INTERACTION_FILTERS = {
    "channel": "search.channel",
    "kind": "search.kind",
    "account": "search.account",
    "author": "search.author",
    "has_ticket": "ticket_id",
}

INDEXES: dict[str, list[Index]] = {
    "tickets": [
        Index([("protocol", ASCENDING)], {"unique": True, "partialFilterExpression": NUMBERED}),
        Index(
            [("active_thread_key", ASCENDING)],
            {
                "unique": True,
                "partialFilterExpression": {"active_thread_key": {"$type": "string"}},
            },
        ),
        Index([("thread_key", ASCENDING), ("opened_at", DESCENDING)]),
        Index([("status", ASCENDING), ("updated_at", DESCENDING)]),
        Index([("updated_at", DESCENDING), ("_id", ASCENDING)]),
        Index([("tags_folded", ASCENDING)]),
        Index([("pending_events.created_at", ASCENDING)]),
        Index([("pending_events.event_id", ASCENDING)]),
        Index(
            [("pending_history._id", ASCENDING)],
            {"partialFilterExpression": {"pending_history._id": {"$exists": True}}},
        ),
        Index([("assignee", ASCENDING), ("status", ASCENDING)]),
        Index([("level", ASCENDING), ("updated_at", ASCENDING)]),
        Index(
            [("parent_id", ASCENDING), ("opened_at", ASCENDING), ("_id", ASCENDING)],
            {"partialFilterExpression": {"parent_id": {"$type": "string"}}},
        ),
        Index([("removed", ASCENDING), *LIST_ORDER]),
        # SLA (issue 12): the scanner reads only the tickets whose next band change has come;
        # the desk sorts by due time.
        Index(
            [("sla_next_at", ASCENDING)],
            {"partialFilterExpression": {"sla_next_at": {"$type": "string"}}},
        ),
        Index([("removed", ASCENDING), ("sla_due_at", ASCENDING), ("_id", ASCENDING)]),
        Index(
            [("level", ASCENDING), ("sla_band", ASCENDING)],
            {"partialFilterExpression": {"sla_band": {"$type": "string"}}},
        ),
        Index([("removed", ASCENDING), *OPENED_ORDER]),
        Index([("removed", ASCENDING), ("status", ASCENDING), *OPENED_ORDER]),
        Index([("title_words", ASCENDING), ("updated_at", DESCENDING)]),
        *(
            Index([("removed", ASCENDING), *((f, ASCENDING) for f in fields), *LIST_ORDER])
            for fields in DESK_FILTERS.values()
        ),
    ],
    "interactions": [
        Index([("id", ASCENDING)], {"unique": True}),
        Index([("ticket_id", ASCENDING), ("occurred_at", ASCENDING)]),
        Index([("thread_key", ASCENDING), ("ticket_id", ASCENDING)]),
        Index(INTERACTION_ORDER),
        *(Index([(f, ASCENDING), *INTERACTION_ORDER]) for f in INTERACTION_FILTERS.values()),
        Index([("search.grams", ASCENDING)]),
        Index([("search.words", ASCENDING), ("occurred_at", DESCENDING)]),
    ],
    "history": [
        Index([("ticket_id", ASCENDING), ("version", ASCENDING), ("index", ASCENDING)]),
    ],
    "directory": [Index([("kind", ASCENDING), ("key", ASCENDING)])],
    "people": [
        Index([("name_key", ASCENDING), ("_id", ASCENDING)]),
        Index([("terms", ASCENDING)]),
        Index([("pending_events.created_at", ASCENDING)]),
    ],
    "person_identities": [Index([("person_id", ASCENDING)])],
}


async def create_indexes(collections: Collections) -> None:
    for name, indexes in INDEXES.items():
        collection = getattr(collections, name)
        for index in indexes:
            await collection.create_index(index.keys, **index.options)
