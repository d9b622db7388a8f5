"""On SQLite a new interaction's text enters the search and ``?text=`` indexes when its write
transaction commits, together with the other writes of its group: each write still stands
or falls alone, and a later write of the same group changing that text sees it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from uuid import uuid4

from contracts.interaction import Interaction
from contracts.tickets import InteractionQuery, StoredInteraction
from ticketing.domain.threading import thread_key
from ticketing.store.sqlite import SqliteTicketStore, interactions

from .test_store_contract import T0, message


def said(thread: str, text: str) -> StoredInteraction:
    interaction: Interaction = message(thread).model_copy(update={"text": text})
    return StoredInteraction(id=uuid4(), ticket_id=None, received_at=T0, interaction=interaction)


async def test_one_groups_texts_are_indexed_and_a_failed_writes_text_is_not(
    tmp_path: Path,
) -> None:
    store = SqliteTicketStore(tmp_path / "ticketing.db")
    await store.open()
    try:
        kept, failed, edited = (
            said("post-1", "reembolso atrasado"),
            said("post-2", "reembolso perdido"),
            said("post-3", "entrega extraviada"),
        )
        gate = threading.Event()

        def record_then_fail(connection: sqlite3.Connection) -> None:
            interactions.record(connection, failed, thread_key(failed.interaction))
            raise RuntimeError("this write fails after recording")

        def renamed(stored: StoredInteraction) -> StoredInteraction:
            changed = stored.interaction.model_copy(update={"text": "cobranca duplicada"})
            return stored.model_copy(update={"interaction": changed})

        # The first write holds the database thread, so the next ones wait and run as one
        # group: one transaction, each in its own savepoint.
        held = asyncio.ensure_future(store._db.write(lambda c: gate.wait(10)))
        writes = asyncio.gather(
            store.record_interaction(kept, thread_key=thread_key(kept.interaction)),
            store._db.write(record_then_fail),
            store.record_interaction(edited, thread_key=thread_key(edited.interaction)),
            store.change_interaction(edited.interaction.key, renamed),
            return_exceptions=True,
        )
        # Released once every write above has queued (tasks take their first step in order).
        asyncio.get_running_loop().call_soon(gate.set)
        await held
        outcomes = await writes
        assert isinstance(outcomes[1], RuntimeError)
        assert not any(isinstance(o, BaseException) for i, o in enumerate(outcomes) if i != 1)

        assert [m.ref for m in await store.search("reembolso")] == [str(kept.id)]
        assert [m.ref for m in await store.search("cobranca")] == [str(edited.id)]
        assert await store.search("extraviada") == []
        found, total, *_ = await store.list_interactions(InteractionQuery(text="atrasa"))
        assert [s.id for s in found] == [kept.id]
        found, total, *_ = await store.list_interactions(InteractionQuery(text="perdid"))
        assert total == 0
        found, total, *_ = await store.list_interactions(InteractionQuery(text="duplicad"))
        assert [s.id for s in found] == [edited.id]
        assert (await store.list_interactions(InteractionQuery(text="extraviad")))[1] == 0
    finally:
        await store.close()
