"""``console.ticket_page`` on every store adapter: the session is checked first, in the same
call, so a page read in one call still refuses an ended session or a switched-off agent at
once, before anything of the ticket is read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.console_pages import InboxPageQuery, InboxPageRead, TicketPageQuery, TicketPageRead
from contracts.credentials import SessionKey
from contracts.events import InteractionTriagedV1
from contracts.people import LevelCreate
from contracts.rpc import Caller
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import TicketQuery
from contracts.views import ViewCreate
from servicekit import rpc
from servicekit.keyed_locks import KeyedLocks
from ticketing.domain.priority import PriorityScale
from ticketing.shared.access import Forbidden
from ticketing.shared.sla_policies import CachedPolicies
from ticketing.store.port import TicketStore
from ticketing.usecases import console_pages, credentials, directory, reads, triage, views

from .test_credentials import ANA, GATEWAY, NOW, PASSWORD, invite, set_password, sign_in
from .test_domain import SCALE, make
from .test_sharing import OFFLINE


@pytest.fixture
async def signed(store: TicketStore) -> str:
    await store.create_entry("agent", "ana", ANA)
    await set_password(store, await invite(store))
    return await sign_in(store, PASSWORD)


async def page(store: TicketStore, session: str, ref: str = "2026-999999") -> TicketPageRead:
    return await console_pages.ticket_page(
        store=store,
        query=TicketPageQuery(session=session, ref=ref),
        caller=GATEWAY,
        scale=PriorityScale(),
        policies=CachedPolicies(),
        now=NOW,
        session_now=NOW,
    )


async def test_a_live_session_gets_to_the_ticket_whose_refusal_is_then_the_tickets_own(
    store: TicketStore, signed: str
) -> None:
    with pytest.raises(rpc.NotFound):
        await page(store, signed)


async def test_an_ended_session_is_refused_before_the_ticket_is_read(
    store: TicketStore, signed: str
) -> None:
    await credentials.end_session(store=store, key=SessionKey(session=signed), caller=GATEWAY)
    with pytest.raises(credentials.SignInRefused):
        await page(store, signed)


async def test_a_switched_off_agents_session_is_refused_at_once(
    store: TicketStore, signed: str
) -> None:
    await store.replace_entry("agent", "ana", {**ANA, "active": False})
    with pytest.raises(credentials.SignInRefused):
        await page(store, signed)


async def test_only_the_console_itself_may_read_a_page_by_session(
    store: TicketStore, signed: str
) -> None:
    with pytest.raises(Forbidden):
        await console_pages.ticket_page(
            store=store,
            query=TicketPageQuery(session=signed, ref="2026-999999"),
            caller=Caller(id="ana", role="agent"),
            scale=PriorityScale(),
            policies=CachedPolicies(),
            now=NOW,
            session_now=NOW,
        )


async def inbox(store: TicketStore, session: str, view_id: str | None = None) -> InboxPageRead:
    """The page as the console receives it: the answer's JSON read as its contract."""
    written = await console_pages.inbox_page(
        store=store,
        query=InboxPageQuery(session=session, view_id=view_id),
        caller=GATEWAY,
        scale=PriorityScale(),
        policies=CachedPolicies(),
        now=NOW,
        session_now=NOW,
    )
    return InboxPageRead.model_validate_json(written)


async def test_the_inbox_in_one_call_shows_the_agent_their_views_and_the_desks_words(
    store: TicketStore, signed: str
) -> None:
    read = await inbox(store, signed)
    assert read.session.agent.id == "ana"
    assert read.view is None and read.listing.items == []
    assert "builtin:open" in {v.id for v in read.views}
    assert read.priorities == list(PriorityScale().levels)
    assert "ana" in {a.id for a in read.agents}
    assert (await inbox(store, signed, "builtin:open")).view is not None


async def test_the_inbox_refuses_an_ended_session_and_a_view_that_is_not_there(
    store: TicketStore, signed: str
) -> None:
    with pytest.raises(rpc.NotFound):
        await inbox(store, signed, "00000000-0000-4000-8000-000000000000")
    await store.replace_entry("agent", "ana", {**ANA, "active": False})
    with pytest.raises(credentials.SignInRefused):
        await inbox(store, signed)


async def test_the_inbox_lists_the_tickets_exactly_as_the_apis_list_does(
    store: TicketStore, signed: str
) -> None:
    await store.replace_entry("agent", "ana", {**ANA, "admin": True})
    for n in range(3):
        event = InteractionTriagedV1(
            interaction=make(external_id=f"c{n}", thread_id=f"p{n}", text=f"pedido {n} <b>"),
            decision=TriageDecision(open_ticket=OpenTicket()),
        )
        await triage.handle_triaged(
            store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=event
        )
    listed = await reads.list_tickets(
        store=store,
        query=TicketQuery(),
        caller=Caller(id="ana", role="admin"),
        policies=CachedPolicies(),
        now=NOW,
        priorities=SCALE.levels,
    )

    read = await inbox(store, signed)

    assert len(read.listing.items) == 3
    assert read.listing == listed
    assert read.session.agent.id == "ana" and "builtin:open" in {v.id for v in read.views}


async def test_the_inbox_shows_the_views_agents_and_levels_their_own_methods_answer(
    store: TicketStore, signed: str
) -> None:
    """The page reads the directory once for all its parts: what it shows is still what
    each part's own method answers the agent (a saved view, another agent, a level)."""
    await store.create_entry("level", "support", {"name": "support", "accounts": []})
    await store.create_entry("agent", "bia", {**ANA, "id": "bia", "name": "Bia <b>"})
    agent = Caller(id="ana", role="agent")
    mine = await views.create_view(
        store=store, caller=agent, body=ViewCreate(name="Mine & more"), now=NOW
    )

    read = await inbox(store, signed, mine.id)

    scale = PriorityScale()
    listed = await views.list_views(store=store, caller=agent, scale=scale, counted=False)
    assert read.views == listed and read.view is not None and read.view.id == mine.id
    assert read.agents == await directory.list_agents(store=store, caller=agent)
    assert read.levels == (await directory.vocabulary(store=store, scale=scale)).levels
    assert "support" in read.levels and "Bia <b>" in {a.name for a in read.agents}


async def test_the_inbox_refuses_an_expired_session_and_ends_it(
    store: TicketStore, signed: str
) -> None:
    with pytest.raises(credentials.SignInRefused):
        await console_pages.inbox_page(
            store=store,
            query=InboxPageQuery(session=signed),
            caller=GATEWAY,
            scale=PriorityScale(),
            policies=CachedPolicies(),
            now=NOW,
            session_now=NOW + timedelta(days=400),
        )
    with pytest.raises(credentials.SignInRefused, match="ended"):
        await inbox(store, signed)


async def test_the_ticket_page_shows_what_each_parts_own_method_answers(
    store: TicketStore, signed: str
) -> None:
    """The ticket page reads the directory once for all its parts, as the inbox does: the
    ticket, its history, the agents, the levels and the level's reply accounts are still
    what each part's own method answers the agent."""
    await directory.save_level(
        store=store,
        name=None,
        body=LevelCreate(name="support", accounts=["acme", "shop & co"]),
        scale=SCALE,
        caller=Caller(id="root", role="admin"),
    )
    await store.create_entry("agent", "bia", {**ANA, "id": "bia", "name": "Bia <b>"})
    await store.replace_entry("agent", "ana", {**ANA, "levels": ["support"]})
    event = InteractionTriagedV1(
        interaction=make(text="pedido <b>"),
        decision=TriageDecision(open_ticket=OpenTicket(level="support")),
    )
    await triage.handle_triaged(
        store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=event
    )
    admin = Caller(id="ana", role="admin")
    (row,) = (
        await reads.list_tickets(
            store=store,
            query=TicketQuery(),
            caller=admin,
            policies=CachedPolicies(),
            now=NOW,
            priorities=SCALE.levels,
        )
    ).items

    read = await page(store, signed, row.protocol)

    agent = Caller(id="ana", role="agent")
    ticket = await reads.ticket_detail(
        store=store, ref=row.protocol, caller=agent, policies=CachedPolicies(), now=NOW
    )
    assert read.ticket == ticket and read.ticket.level == "support"
    history = await reads.ticket_history(store=store, ref=str(ticket.id), caller=agent)
    assert read.history == history
    assert read.agents == await directory.list_agents(store=store, caller=agent)
    levels = (await directory.vocabulary(store=store, scale=PriorityScale())).levels
    assert read.levels == levels and "support" in levels
    assert read.reply_accounts == ["acme", "shop & co"]
