"""The MongoDB documents of the ticketing store: collections, filters and the shapes the
outbox arrays hold. The ticket itself goes through the shared codec."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from contracts.base import Event
from contracts.tickets import HistoryEntry
from servicekit.publishing import OutgoingMessage
from ticketing.domain import search
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import iso, ticket_to_doc

Collection = AsyncCollection[dict[str, Any]]

DUPLICATE_KEY = 11000
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
"""``claimed_until`` of an event nobody has leased yet."""

NUMBERED = {"protocol": {"$type": "string"}}
"""Tickets that finished being created. A ticket is inserted without a protocol first (that
claims the conversation) and gets its number in a second write; until then readers do not see
it and it cannot be updated, as if the creation were one transaction."""

TICKET_FIELDS = {"pending_history": 0, "pending_events": 0, "tags_folded": 0, "title_words": 0}
"""Projection for reading a ticket: the outbox arrays can be large and are not ticket data."""


@dataclass(frozen=True)
class Collections:
    tickets: Collection
    interactions: Collection
    history: Collection
    counters: Collection
    directory: Collection
    locks: Collection
    people: Collection
    person_identities: Collection

    @classmethod
    def of(cls, db: AsyncDatabase[dict[str, Any]]) -> Collections:
        return cls(
            tickets=db["tickets"],
            interactions=db["interactions"],
            history=db["history"],
            counters=db["counters"],
            directory=db["directory"],
            locks=db["locks"],
            people=db["people"],
            person_identities=db["person_identities"],
        )


def fold(tag: str) -> str:
    return tag.casefold()


def ticket_fields(ticket: Ticket) -> dict[str, Any]:
    doc = ticket_to_doc(ticket)
    doc["tags_folded"] = sorted({fold(t) for t in ticket.tags})
    doc["title_words"] = search.words(ticket.title)
    return doc


def history_docs(history: Sequence[HistoryEntry], version: int) -> list[dict[str, Any]]:
    # (version, index) is the order the entries were written in: versions of one ticket
    # grow with every write, so this is the insertion order SQLite's ``seq`` gives.
    return [
        {
            "_id": str(entry.id),
            "ticket_id": str(entry.ticket_id),
            "version": version,
            "index": index,
            "at": iso(entry.at),
            "body": entry.model_dump_json(),
        }
        for index, entry in enumerate(history)
    ]


def event_docs(events: Sequence[Event], now: datetime) -> list[dict[str, Any]]:
    """The outbox entries of ``events``, in the current trace context (the relay publishes a
    late one in it, so it continues the trace of the change)."""
    docs = []
    for event in events:
        event_id, routing_key, body, correlation_id, traceparent, tracestate = OutgoingMessage.of(
            event
        ).row_fields()
        docs.append(
            {
                "event_id": event_id,
                "routing_key": routing_key,
                "body": body,
                "correlation_id": correlation_id,
                "traceparent": traceparent,
                "tracestate": tracestate,
                "created_at": now,
                "claimed_until": NEVER,
            }
        )
    return docs


def outbox_push(history: list[dict[str, Any]], events: list[dict[str, Any]]) -> dict[str, Any]:
    push: dict[str, Any] = {}
    if history:
        push["pending_history"] = {"$each": history}
    if events:
        push["pending_events"] = {"$each": events}
    return {"$push": push} if push else {}


def is_thread_conflict(exc: DuplicateKeyError) -> bool:
    pattern = (exc.details or {}).get("keyPattern")
    return pattern is None or "active_thread_key" in pattern
