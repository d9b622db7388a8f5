"""People on MongoDB. Each person is one document (``version`` guards every write) with its
index ``terms``; which person holds an identity is a document per identity in
``person_identities`` (its ``_id`` is the identity, so one person at most holds it).

Without multi-document transactions a write goes in an order that leaves every identity with
a person at each step: first the identities nobody holds are claimed (an insert on their unique
``_id``: two replicas making a person for one new author cannot both succeed), then each saved
person is written (a compare-and-set on ``version``, or an insert that fails on a taken id),
then the identity documents are pointed at their new holder, then the deleted people are
removed (a compare-and-set again). A refused write takes its claims back. A crash part-way
leaves a deleted person behind whose identities already moved (it is found by name and shows
no identity) or identities still pointing at their old holder: the person view reads
``identities`` from the person, and the next write of either person points them again."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from contracts.base import Event
from contracts.persons import PersonQuery
from servicekit.clock import Clock
from ticketing.domain import persons
from ticketing.domain.persons import PersonRecord
from ticketing.store.mongo.documents import Collections, event_docs
from ticketing.store.people import IdentityTaken, StalePerson

GROUP_TICKETS_LIMIT = 5_000
"""The ticket list's ``group`` filter reads at most this many tickets' ids per request."""


class MongoPeople:
    def __init__(self, collections: Collections, clock: Clock) -> None:
        self._clock = clock
        self._people = collections.people
        self._identities = collections.person_identities
        self._interactions = collections.interactions

    async def get_person(self, person_id: UUID) -> PersonRecord | None:
        doc = await self._people.find_one({"_id": str(person_id)})
        return _record(doc) if doc else None

    async def person_of(self, identity: str) -> PersonRecord | None:
        held = await self._identities.find_one({"_id": identity})
        return await self.get_person(UUID(held["person_id"])) if held else None

    async def people_with(self, terms: Sequence[str], *, limit: int = 50) -> list[PersonRecord]:
        if not terms:
            return []
        cursor = (
            self._people.find({"terms": {"$in": list(terms)}})
            .sort([("name_key", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [_record(doc) async for doc in cursor]

    async def list_people(self, query: PersonQuery) -> tuple[list[PersonRecord], bool]:
        ands: list[dict[str, Any]] = []
        for terms in (
            [f"group:{g.casefold()}" for g in query.group],
            [f"channel:{c.value}" for c in query.channel],
        ):
            if terms:
                ands.append({"terms": {"$in": terms}})
        if query.q:
            ands.append({"search": {"$regex": re.escape(query.q.casefold())}})
        cursor = (
            self._people.find({"$and": ands} if ands else {})
            .sort([("name_key", ASCENDING), ("_id", ASCENDING)])
            .skip((query.page - 1) * query.page_size)
            .limit(query.page_size + 1)
        )
        docs = [doc async for doc in cursor]
        return [_record(d) for d in docs[: query.page_size]], len(docs) > query.page_size

    async def write_people(
        self,
        *,
        save: Sequence[PersonRecord],
        delete: Sequence[PersonRecord] = (),
        events: Sequence[Event] = (),
    ) -> list[PersonRecord]:
        """The events ride in the first saved person's document (``pending_events``, the
        outbox the relay reads, as in tickets)."""
        involved = {str(p.id) for p in [*save, *delete]}
        claimed = await self._claim_identities(save, involved)
        pending = event_docs(events, self._clock())
        try:
            for person in delete:
                current = await self._people.find_one(
                    {"_id": str(person.id)}, {"version": 1, "pending_events": 1}
                )
                if current is None or current["version"] != person.version:
                    raise StalePerson(str(person.id))
                # Its unpublished events move with the write, not away with the document
                # (the relay may publish one twice meanwhile: consumers are idempotent).
                pending = [*current.get("pending_events", []), *pending]
            saved = [
                await self._save(person, pending if index == 0 else [])
                for index, person in enumerate(save)
            ]
        except StalePerson:
            await self._identities.delete_many({"_id": {"$in": claimed}})
            raise
        for person in save:
            for identity in person.identities:
                await self._identities.update_one(
                    {"_id": identity.key}, {"$set": {"person_id": str(person.id)}}, upsert=True
                )
        for person in delete:
            await self._people.delete_one({"_id": str(person.id), "version": person.version})
            await self._identities.delete_many({"person_id": str(person.id)})
        return saved

    async def make_new(self, person: PersonRecord | None) -> None:
        """An author first seen (version 0, in no group), made unless a person holds its
        identity: another writer made it meanwhile (or this one did, in an attempt whose
        ticket write was refused after), and theirs is kept."""
        if person is not None:
            with contextlib.suppress(IdentityTaken, StalePerson):
                await self.write_people(save=[person])

    async def _claim_identities(
        self, save: Sequence[PersonRecord], involved: set[str]
    ) -> list[str]:
        """Insert the identity documents nobody holds yet (their ``_id`` is unique, so of two
        replicas making a person for one new author, one gets IdentityTaken and reads the
        other's), and check that the held ones are held by a person of this write."""
        claimed: list[str] = []
        try:
            for person in save:
                for identity in person.identities:
                    held = await self._identities.find_one({"_id": identity.key})
                    if held is None:
                        try:
                            await self._identities.insert_one(
                                {"_id": identity.key, "person_id": str(person.id)}
                            )
                            claimed.append(identity.key)
                            continue
                        except DuplicateKeyError:
                            held = await self._identities.find_one({"_id": identity.key})
                    if held is not None and held["person_id"] not in involved:
                        raise IdentityTaken(identity.key)
        except IdentityTaken:
            await self._identities.delete_many({"_id": {"$in": claimed}})
            raise
        return claimed

    async def _save(self, person: PersonRecord, events: list[dict[str, Any]]) -> PersonRecord:
        stored = person.model_copy(update={"version": person.version + 1})
        doc = _doc(stored)
        if person.version == 0:
            try:
                await self._people.insert_one({**doc, "pending_events": events})
            except DuplicateKeyError as exc:
                raise StalePerson(str(person.id)) from exc
        else:
            update: dict[str, Any] = {"$set": {k: v for k, v in doc.items() if k != "_id"}}
            if events:
                update["$push"] = {"pending_events": {"$each": events}}
            result = await self._people.update_one(
                {"_id": str(person.id), "version": person.version}, update
            )
            if result.matched_count != 1:
                raise StalePerson(str(person.id))
        return stored

    async def tickets_of_groups(self, groups: Sequence[str]) -> list[str]:
        """The ids of tickets holding an interaction by a person of one of the groups."""
        terms = [f"group:{g.casefold()}" for g in groups]
        keys = [
            i["key"]
            async for doc in self._people.find({"terms": {"$in": terms}}, {"body.identities": 1})
            for i in doc["body"]["identities"]
        ]
        if not keys:
            return []
        pairs = []
        for key in keys:
            channel, _, author = key.partition(":")
            pairs.append({"search.channel": channel, "search.author": author})
        cursor = self._interactions.find(
            {"$or": pairs, "ticket_id": {"$ne": None}}, {"ticket_id": 1}
        ).limit(GROUP_TICKETS_LIMIT)
        return list({doc["ticket_id"] async for doc in cursor})


def _doc(person: PersonRecord) -> dict[str, Any]:
    return {
        "_id": str(person.id),
        "version": person.version,
        "name_key": person.name.casefold(),
        "search": persons.search_text(person),
        "terms": sorted(persons.terms(person)),
        "body": person.model_dump(mode="json"),
    }


def _record(doc: dict[str, Any]) -> PersonRecord:
    return PersonRecord.model_validate(doc["body"])
