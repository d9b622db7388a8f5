"""MongoDB documents written by the previous version (removed and parent_id inside
``extra``, interactions without trigrams) read and filter as new ones once the store opens."""

from __future__ import annotations

import dataclasses

from contracts.interaction import Direction, Kind
from contracts.tickets import InteractionQuery, TicketQuery
from devtools.store_backends import MongomockClient
from ticketing.domain import lifecycle
from ticketing.store.mongo import MongoTicketStore

from .test_store_contract import T0, message, open_for


async def test_documents_of_the_previous_version_are_brought_up_to_date() -> None:
    client = MongomockClient(tz_aware=True)

    def store() -> MongoTicketStore:
        return MongoTicketStore("mongodb://mongomock", database="upgrade", client=client)

    first = store()
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
    db = client["upgrade"]
    async for doc in db["tickets"].find({}):
        await db["tickets"].update_one(
            {"_id": doc["_id"]},
            {
                "$set": {"extra.removed": doc["removed"], "extra.parent_id": doc["parent_id"]},
                "$unset": {"removed": "", "parent_id": ""},
            },
        )
    await db["interactions"].update_many({}, {"$unset": {"search.grams": ""}})

    again = store()
    await again.open()
    desk = await again.list_tickets(TicketQuery())
    assert {t.id for t in desk.items} == {kept.id, child.id}
    assert [t.id for t in await again.children_of(kept.id)] == [child.id]
    assert (await again.list_interactions(InteractionQuery(text="NEVER ARR"))).total == 2
    assert (await again.get_ticket(gone.id)).removed  # type: ignore[union-attr]


async def test_documents_from_before_search_become_searchable_and_filterable() -> None:
    client = MongomockClient(tz_aware=True)

    def store() -> MongoTicketStore:
        return MongoTicketStore("mongodb://mongomock", database="before-search", client=client)

    first = store()
    await first.open()
    older = await open_for(first, message("post-1"))
    db = client["before-search"]
    await db["tickets"].update_many(
        {},
        {"$unset": {"title_words": "", "extra.kind": "", "extra.scope": "", "extra.direction": ""}},
    )
    await db["interactions"].update_many({}, {"$unset": {"search.words": ""}})

    again = store()
    await again.open()
    found = await again.search("arrived")
    assert {(m.kind, m.ticket_id) for m in found} == {
        ("ticket", str(older.id)),
        ("interaction", str(older.id)),
    }
    by_kind = await again.list_tickets(
        TicketQuery(kind=[Kind.COMMENT], direction=[Direction.INBOUND])
    )
    assert [t.id for t in by_kind.items] == [older.id]
