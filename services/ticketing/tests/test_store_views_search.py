"""The ticket list's filters, sorts and counts, and full-text search, on every store adapter
(issue 13 items 3 and 4): both must select, order, count and find alike."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from contracts.interaction import Author, Channel, Direction, Interaction, Kind, Visibility
from contracts.tickets import TicketQuery
from ticketing.domain.access import Visibility as Seen
from ticketing.domain.tickets import Ticket
from ticketing.store.port import TicketStore

from .test_store_contract import SCALE, T0, edit, open_for, record, save


def said(
    thread: str,
    text: str,
    *,
    minutes: int = 0,
    kind: Kind = Kind.COMMENT,
    scope: Visibility = Visibility.PUBLIC,
    direction: Direction = Direction.INBOUND,
    account: str = "acme-page",
) -> Interaction:
    return Interaction(
        channel=Channel.FACEBOOK,
        account=account,
        external_id=f"ext-{uuid4().hex[:10]}",
        thread_id=thread,
        kind=kind,
        visibility=scope,
        direction=direction,
        author=Author(id="user-1", name="Maria Souza"),
        text=text,
        occurred_at=T0 + timedelta(minutes=minutes),
    )


async def opened(store: TicketStore, thread: str, text: str, minutes: int, **kw: object) -> Ticket:
    return await open_for(
        store,
        said(thread, text, minutes=minutes, **kw),  # type: ignore[arg-type]
        now=T0 + timedelta(minutes=minutes),
    )


async def changed(store: TicketStore, ticket: Ticket, minutes: int, **patch: object) -> Ticket:
    return await save(
        store,
        edit(ticket, now=T0 + timedelta(minutes=minutes), **patch),
        expected_version=ticket.version,
    )


async def ids(store: TicketStore, **query: object) -> list[str]:
    listing = await store.ticket_page(TicketQuery(**query), priorities=SCALE.levels)  # type: ignore[arg-type]
    return [str(t.id) for t in listing.items]


async def test_the_list_filters_on_the_opening_interaction_and_the_tickets_fields(
    store: TicketStore,
) -> None:
    post = await opened(store, "t1", "Entrega atrasada", 1, kind=Kind.POST)
    private = await opened(store, "t2", "Pedido", 2, scope=Visibility.PRIVATE, account="loja")
    sent = await opened(store, "t3", "Olá", 3, direction=Direction.OUTBOUND)
    sent = await changed(store, sent, 10, team="vendas")

    assert await ids(store, kind=["post"]) == [str(post.id)]
    assert await ids(store, scope=["private"]) == [str(private.id)]
    assert await ids(store, direction=["outbound"]) == [str(sent.id)]
    assert await ids(store, account=["loja"]) == [str(private.id)]
    assert await ids(store, team=["vendas"]) == [str(sent.id)]
    assert await ids(store, protocol=post.protocol) == [str(post.id)]
    assert set(await ids(store, protocol=post.protocol[-3:])) >= {str(post.id)}
    assert await ids(store, protocol="9999-") == []
    assert await ids(store, opened_from=T0 + timedelta(minutes=2)) == [
        str(sent.id),
        str(private.id),
    ]
    assert await ids(store, updated_from=T0 + timedelta(minutes=5)) == [str(sent.id)]
    assert await ids(store, opened_to=T0 + timedelta(minutes=2)) == [str(post.id)]
    # Words of the title or of an interaction, without minding accents.
    assert await ids(store, text="ATRASADA") == [str(post.id)]
    assert await ids(store, text="ola") == [str(sent.id)]


async def test_counts_equal_the_tickets_listed(store: TicketStore) -> None:
    for minute in range(5):
        kind = Kind.POST if minute % 2 else Kind.REVIEW
        await opened(store, f"c{minute}", "x", minute, kind=kind)
    for query in (TicketQuery(), TicketQuery(kind=[Kind.POST]), TicketQuery(status=["open"])):
        count, exact = await store.count_tickets(query)
        listing = await store.ticket_page(query)
        assert (count, exact) == (listing.total, True) == (len(listing.items), True)
    agent = Seen("ana", ("nenhum",))
    assert await store.count_tickets(TicketQuery(), visible=agent) == (0, True)


async def test_the_list_sorts_by_opening_and_by_priority_page_after_page(
    store: TicketStore,
) -> None:
    first = await opened(store, "s1", "a", 1)
    second = await opened(store, "s2", "b", 2)
    third = await opened(store, "s3", "c", 3)
    first = await changed(store, first, 20, priority="low")
    second = await changed(store, second, 21, priority="urgent")
    third = await changed(store, third, 22, priority="low")

    pages: list[str] = []
    query = TicketQuery(sort="opened", order="asc", page_size=1)
    for _ in range(3):
        page = await store.ticket_page(query)
        pages += [str(t.id) for t in page.items]
        query = query.model_copy(update={"cursor": page.next_cursor})
    assert pages == [str(first.id), str(second.id), str(third.id)]
    assert query.cursor is None
    assert await ids(store, sort="opened") == [str(third.id), str(second.id), str(first.id)]

    walked: list[str] = []
    query = TicketQuery(sort="priority", page_size=2)
    while True:
        page = await store.ticket_page(query, priorities=SCALE.levels)
        walked += [str(t.id) for t in page.items]
        if page.next_cursor is None:
            break
        query = query.model_copy(update={"cursor": page.next_cursor})
    assert walked == [str(second.id), str(third.id), str(first.id)]
    assert await ids(store, sort="priority", order="asc") == [
        str(first.id),
        str(third.id),
        str(second.id),
    ]
    assert await ids(store, sort="priority", page=2, page_size=1) == [str(third.id)]


async def test_search_ranks_a_title_above_a_text_and_ignores_accents(store: TicketStore) -> None:
    titled = await opened(store, "q1", "Reclamação sobre a entrega", 1)
    other = await opened(store, "q2", "Outro assunto", 2)
    later = said("q2", "Uma reclamação no meio da conversa", minutes=3)
    stored = await record(store, later)
    await store.update_ticket(
        other, expected_version=other.version, interaction_id=stored.id, history=[], events=[]
    )

    found = await store.search("reclamacao")
    assert (found[0].kind, found[0].ticket_id) == ("ticket", str(titled.id))
    kinds = {(m.kind, m.ticket_id, m.ref) for m in found}
    assert ("interaction", str(other.id), str(stored.id)) in kinds
    scores = {(m.kind, m.ticket_id): m.score for m in found}
    assert scores[("ticket", str(titled.id))] > scores[("interaction", str(other.id))]
    assert await store.search("RECLAMAÇÃO entrega") != []
    assert await store.search("reclamacao inexistente") == []


async def test_search_follows_edits_removals_and_who_may_see(store: TicketStore) -> None:
    ticket = await opened(store, "e1", "Produto quebrado", 1)
    [first] = await store.interactions_of(ticket.id)
    key = first.interaction.key

    await store.change_interaction(
        key,
        lambda s: s.model_copy(
            update={"interaction": s.interaction.model_copy(update={"text": "Produto trocado"})}
        ),
    )
    texts = {m.text for m in await store.search("trocado")}
    assert "Produto trocado" in texts
    assert [m for m in await store.search("quebrado") if m.kind == "interaction"] == []

    await store.change_interaction(key, lambda s: s.model_copy(update={"removed_at": T0}))
    assert [m for m in await store.search("trocado") if m.kind == "interaction"] == []

    assert await store.search("produto", visible=Seen("bob", ("outro",))) == []
    assigned = await changed(store, ticket, 5, assignee="bob")
    assert [m.ticket_id for m in await store.search("produto", visible=Seen("bob", ()))] == [
        str(assigned.id)
    ]
