"""The SLA reads and the one bulk write of the MongoDB adapter (issue 12): the scanner's due
tickets from the index on ``sla_next_at``, a level's band counts, a calendar change's "read
again", and the list's SLA filters and sort."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from contracts.tickets import TicketFilters
from servicekit.mongo import aggregate
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import iso, parse_iso, ticket_from_doc
from ticketing.store.mongo.documents import NUMBERED, TICKET_FIELDS, Collections

SLA_ORDER = [("sla_due_at", ASCENDING), ("_id", ASCENDING)]
SLA_ORDER_BACKWARDS = [("sla_due_at", DESCENDING), ("_id", DESCENDING)]


def sla_filters(query: TicketFilters, where: dict[str, Any]) -> None:
    """Adds the SLA filters (``sla_band``, ``overdue``) over the scanner's last reading."""
    bands = ["overdue"] if query.overdue else list(query.sla_band)
    if query.overdue and query.sla_band and "overdue" not in query.sla_band:
        bands = []
        where["sla_band"] = {"$in": ["none"]}
    if bands:
        where["sla_band"] = {"$in": bands}


def after_due(position: str, after_id: str, *, backwards: bool = False) -> dict[str, Any]:
    beyond = "$lt" if backwards else "$gt"
    return {
        "$or": [
            {"sla_due_at": {beyond: position}},
            {"sla_due_at": position, "_id": {beyond: after_id}},
        ]
    }


class MongoSla:
    def __init__(self, collections: Collections) -> None:
        self._tickets = collections.tickets

    async def due(self, now: datetime, limit: int) -> list[Ticket]:
        cursor = (
            self._tickets.find({"sla_next_at": {"$lte": iso(now)}, **NUMBERED}, TICKET_FIELDS)
            .sort([("sla_next_at", ASCENDING)])
            .limit(limit)
        )
        return [ticket_from_doc(doc) async for doc in cursor]

    async def open_bands(
        self, since: datetime, until: datetime, levels: Sequence[str] | None
    ) -> list[tuple[datetime, str, str]]:
        where: dict[str, Any] = {
            "removed": False,
            "status": {"$nin": ["resolved", "closed"]},
            "opened_at": {"$gte": iso(since), "$lt": iso(until)},
            **NUMBERED,
        }
        if levels is not None:
            where["level"] = {"$in": list(levels)}
        cursor = self._tickets.find(where, {"opened_at": 1, "sla_band": 1, "level": 1})
        return [
            (parse_iso(doc["opened_at"]), doc.get("sla_band") or "", doc.get("level") or "")
            async for doc in cursor
        ]

    async def counts(self, level: str) -> dict[str, int]:
        rows = await aggregate(
            self._tickets,
            [
                {"$match": {"level": level, "removed": False, "sla_band": {"$type": "string"}}},
                {"$group": {"_id": "$sla_band", "n": {"$sum": 1}}},
            ],
        )
        return {row["_id"]: row["n"] for row in rows}

    async def touch(self, levels: list[str], at: datetime) -> int:
        if not levels:
            return 0
        result = await self._tickets.update_many(
            {"level": {"$in": levels}, "status": {"$ne": "closed"}, "removed": False},
            {"$set": {"sla_next_at": iso(at)}, "$inc": {"version": 1}},
        )
        return result.modified_count
