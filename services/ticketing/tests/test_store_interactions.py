"""What every adapter must do to let agents find and tag stored interactions."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from contracts.interaction import Channel
from contracts.tickets import InteractionQuery
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store.mongo import interactions as mongo_interactions
from ticketing.store.port import TicketStore

from .test_store_contract import T0, apply, message, open_for, record


async def test_an_interaction_reads_back_by_id_with_its_ticket(store: TicketStore) -> None:
    loose = await record(store, message("post-1"))
    ticket = await open_for(store, message("post-2"))
    [ticketed] = await store.interactions_of(ticket.id)
    assert await store.get_interaction(loose.id) == loose
    assert (await store.get_interaction(ticketed.id)).ticket_id == ticket.id  # type: ignore[union-attr]
    assert await store.get_interaction(uuid4()) is None


async def test_interactions_are_listed_newest_first_and_paged(store: TicketStore) -> None:
    for minutes in (1, 3, 2):
        await record(store, message(f"post-{minutes}", minutes=minutes))
    items, total, *_ = await store.list_interactions(InteractionQuery(page_size=2))
    assert total == 3
    assert [i.interaction.thread_id for i in items] == ["post-3", "post-2"]
    rest, *_ = await store.list_interactions(InteractionQuery(page_size=2, page=2))
    assert [i.interaction.thread_id for i in rest] == ["post-1"]


async def test_interactions_filter_by_channel_text_ticket_and_dates(store: TicketStore) -> None:
    await record(store, message("post-1", minutes=1, channel=Channel.INSTAGRAM))
    await record(store, message("post-2", minutes=5))
    await open_for(store, message("post-3", minutes=9))

    def threads(items: list) -> list[str]:  # type: ignore[type-arg]
        return sorted(i.interaction.thread_id for i in items)

    by_channel, *_ = await store.list_interactions(InteractionQuery(channel=[Channel.INSTAGRAM]))
    assert threads(by_channel) == ["post-1"]
    loose, *_ = await store.list_interactions(InteractionQuery(has_ticket=False))
    assert threads(loose) == ["post-1", "post-2"]
    ticketed, *_ = await store.list_interactions(InteractionQuery(has_ticket=True))
    assert threads(ticketed) == ["post-3"]
    window, *_ = await store.list_interactions(
        InteractionQuery(
            occurred_from=T0 + timedelta(minutes=2), occurred_to=T0 + timedelta(minutes=9)
        )
    )
    assert threads(window) == ["post-2"]
    _, total, *_ = await store.list_interactions(InteractionQuery(text="ORDER NEVER"))
    assert total == 3
    none, total, *_ = await store.list_interactions(InteractionQuery(text="100%"))
    assert (none, total) == ([], 0)
    by_author, *_ = await store.list_interactions(InteractionQuery(author=["someone-else"]))
    assert by_author == []


async def test_tagging_an_interaction_adds_tags_once_ignoring_case(store: TicketStore) -> None:
    stored = await record(store, message("post-1"))
    await store.tag_interaction(stored.id, ["Elogio"])
    tagged = await store.tag_interaction(stored.id, ["elogio", "loja"])
    assert tagged is not None and tagged.tags == ["Elogio", "loja"]
    assert (await store.get_interaction(stored.id)).tags == ["Elogio", "loja"]  # type: ignore[union-attr]
    assert await store.tag_interaction(uuid4(), ["x"]) is None


async def test_tagging_keeps_the_interaction_on_its_ticket(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    [stored] = await store.interactions_of(ticket.id)
    await store.tag_interaction(stored.id, ["vip"])
    [again] = await store.interactions_of(ticket.id)
    assert (again.ticket_id, again.tags) == (ticket.id, ["vip"])


async def test_an_agent_lists_the_interactions_of_tickets_they_see_and_of_their_accounts(
    store: TicketStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through its ticket's level or assignee, or without a ticket through its account."""
    # Tickets looked up two interactions at a time: pages cross the batches.
    monkeypatch.setattr(mongo_interactions, "VISIBILITY_BATCH", 2)

    async def placed(thread: str, **patch: str) -> Ticket:
        ticket = await open_for(store, message(thread, minutes=int(thread[-1])))
        return await apply(store, ticket, now=T0, **patch)

    in_level = await placed("post-1", level="N1")
    handed = await placed("post-2", level="N2", assignee="ana")
    await placed("post-3", level="N2")
    await record(store, message("post-4", minutes=4))  # on acme-page, which N1 serves
    elsewhere = message("post-5", minutes=5).model_copy(update={"account": "other-page"})
    await record(store, elsewhere)

    async def seen(visible: Visibility) -> list[str]:
        items, total, *_ = await store.list_interactions(InteractionQuery(), visible=visible)
        assert total == len(items)
        return sorted(i.interaction.thread_id for i in items)

    ana = Visibility("ana", ("N1",), ("acme-page",))
    assert await seen(ana) == ["post-1", "post-2", "post-4"]
    assert await seen(Visibility("bob", ("N3",))) == []
    loose, *_ = await store.list_interactions(InteractionQuery(has_ticket=False), visible=ana)
    assert [i.interaction.thread_id for i in loose] == ["post-4"]
    found, *_ = await store.list_interactions(InteractionQuery(text="never"), visible=ana)
    assert len(found) == 3
    assert (in_level.level, handed.assignee) == ("N1", "ana")
    pages = [
        await store.list_interactions(InteractionQuery(page=n, page_size=1), visible=ana)
        for n in (1, 2, 3, 4)
    ]
    assert [[i.interaction.thread_id for i in page.items] for page in pages] == [
        ["post-4"],
        ["post-2"],
        ["post-1"],
        [],
    ]
    assert {page.total for page in pages} == {3}
