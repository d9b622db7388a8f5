"""Report facts and counters on MongoDB. A standalone MongoDB has no multi-document
transactions, so a ticket's move from its old facts to its new ones is written in steps that
can be replayed:

1. the ticket's facts document changes from the facts it held to the new ones (compare-and-set
   on ``rev``) and records the move as ``pending``: an operation id and the counter deltas;
2. each counter takes the delta once: its update is guarded by the operation id, which it
   remembers in ``ops`` (a replay finds the id there and changes nothing);
3. ``pending`` is cleared, then the counters forget the id.

Whoever finds a ``pending`` move (a replica after a crash, or the next change of the
ticket) finishes it first, so every move is counted exactly once."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from servicekit.mongo import aggregate
from ticketing.domain import reports
from ticketing.domain.reports import Contribution, CountRow, TicketFacts
from ticketing.store.mongo.documents import Collection
from ticketing.store.reports import facts_from_doc, facts_to_doc

COUNTS_INDEX = [("series", ASCENDING), ("dim", ASCENDING), ("hour", ASCENDING)]


def _counter_id(c: Contribution) -> str:
    return "\x1f".join((c.series, c.dim, c.value, c.level, str(c.hour), c.extra))


class MongoReports:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._facts: Collection = db["report_facts"]
        self._counts: Collection = db["report_counts"]

    async def create_indexes(self) -> None:
        await self._counts.create_index(COUNTS_INDEX)

    async def project_ticket(
        self, ticket_id: UUID, facts: TicketFacts | None, *, version: int
    ) -> bool:
        key = str(ticket_id)
        while True:
            doc = await self._facts.find_one({"_id": key})
            if doc is not None and doc.get("pending"):
                await self._finish(key, doc["pending"])
                continue
            if doc is not None and doc.get("version", 0) > version:
                return False
            before = facts_from_doc(doc.get("facts") if doc else None)
            delta = reports.difference(before, facts)
            if not delta:
                if doc is not None:
                    await self._facts.update_one({"_id": key}, {"$max": {"version": version}})
                return False
            pending = {
                "op": str(uuid4()),
                "deltas": [
                    {"_id": _counter_id(c), **c._asdict(), "n": n} for c, n in delta.items()
                ],
            }
            update = {
                "facts": facts_to_doc(facts) if facts else None,
                "version": version,
                "pending": pending,
            }
            if doc is None:
                try:
                    await self._facts.insert_one({"_id": key, "rev": 1, **update})
                except DuplicateKeyError:
                    continue
            else:
                written = await self._facts.update_one(
                    {"_id": key, "rev": doc["rev"], "pending": None},
                    {"$set": {**update, "rev": doc["rev"] + 1}},
                )
                if written.modified_count != 1:
                    continue
            await self._finish(key, pending)
            return True

    async def _finish(self, key: str, pending: dict[str, Any]) -> None:
        op = pending["op"]
        for delta in pending["deltas"]:
            fields = {k: v for k, v in delta.items() if k not in ("_id", "n")}
            # A duplicate key means the counter exists and already took this operation.
            with contextlib.suppress(DuplicateKeyError):
                await self._counts.update_one(
                    {"_id": delta["_id"], "ops": {"$ne": op}},
                    {"$inc": {"n": delta["n"]}, "$push": {"ops": op}, "$set": fields},
                    upsert=True,
                )
        await self._facts.update_one({"_id": key, "pending.op": op}, {"$set": {"pending": None}})
        await self._counts.update_many(
            {"_id": {"$in": [d["_id"] for d in pending["deltas"]]}}, {"$pull": {"ops": op}}
        )

    async def report_rows(
        self,
        series: str,
        dim: str,
        first_hour: int,
        end_hour: int,
        levels: Sequence[str] | None,
        *,
        shift: int = 0,
        width: int = 1,
    ) -> list[CountRow]:
        query: dict[str, Any] = {
            "series": series,
            "dim": dim,
            "hour": {"$gte": first_hour, "$lt": end_hour},
        }
        query["level"] = reports.EVERY_LEVEL if levels is None else {"$in": list(levels)}
        grouped = await aggregate(
            self._counts,
            [
                {"$match": query},
                {
                    "$group": {
                        "_id": {
                            "group": {"$floor": {"$divide": [{"$add": ["$hour", shift]}, width]}},
                            "value": "$value",
                            "extra": "$extra",
                        },
                        "n": {"$sum": "$n"},
                    }
                },
            ],
        )
        return [
            CountRow(
                int(g["_id"]["group"]) * width - shift,
                g["_id"]["value"],
                "",
                g["_id"]["extra"],
                g["n"],
            )
            for g in grouped
            if g["n"]
        ]

    async def report_hours(
        self, series: str, dim: str, hours: Sequence[int], levels: Sequence[str] | None
    ) -> list[CountRow]:
        query: dict[str, Any] = {"series": series, "dim": dim, "hour": {"$in": list(hours)}}
        query["level"] = reports.EVERY_LEVEL if levels is None else {"$in": list(levels)}
        grouped = await aggregate(
            self._counts,
            [
                {"$match": query},
                {
                    "$group": {
                        "_id": {
                            "day": {"$multiply": [{"$floor": {"$divide": ["$hour", 24]}}, 24]},
                            "value": "$value",
                            "extra": "$extra",
                        },
                        "n": {"$sum": "$n"},
                    }
                },
            ],
        )
        return [
            CountRow(int(g["_id"]["day"]), g["_id"]["value"], "", g["_id"]["extra"], g["n"])
            for g in grouped
            if g["n"]
        ]

    async def report_totals_before(
        self, series: str, dim: str, before_hour: int, levels: Sequence[str] | None
    ) -> list[CountRow]:
        query: dict[str, Any] = {"series": series, "dim": dim, "hour": {"$lt": before_hour}}
        query["level"] = reports.EVERY_LEVEL if levels is None else {"$in": list(levels)}
        grouped = await aggregate(
            self._counts,
            [
                {"$match": query},
                {"$group": {"_id": {"value": "$value", "level": "$level"}, "n": {"$sum": "$n"}}},
            ],
        )
        return [
            CountRow(None, g["_id"]["value"], g["_id"]["level"], "", g["n"])
            for g in grouped
            if g["n"]
        ]
