"""The console's page reads (``console.*``): everything one page shows in one call, so a
page costs one round trip through the broker like its API call does, not one per thing shown.

Each part is read by the same use case its own method runs, as the session's agent, so the
page shows exactly what the API would show them. The session comes first: a revoked or expired
session, or a deactivated agent, is refused (401) before anything of the ticket is read."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from pydantic_core import to_json

from contracts.console_pages import (
    InboxPageQuery,
    TicketPageQuery,
    TicketPageRead,
    session_caller,
)
from contracts.credentials import SessionKey, SessionRead
from contracts.people import AgentRead
from contracts.rpc import Caller
from contracts.tickets import TicketDetail, TicketQuery
from contracts.views import ViewRead
from servicekit import rpc
from ticketing.domain.priority import PriorityScale
from ticketing.shared.passwords import digest
from ticketing.shared.sla_policies import CachedPolicies
from ticketing.store.directory import Entry, Kind
from ticketing.store.port import TicketStore
from ticketing.usecases import credentials, directory, reads, views


async def ticket_page(
    *,
    store: TicketStore,
    query: TicketPageQuery,
    caller: Caller,
    scale: PriorityScale,
    policies: CachedPolicies,
    now: datetime,
    session_now: datetime,
) -> TicketPageRead:
    """``caller`` is the gateway's console (only it may read sessions); ``now`` is the SLA
    clocks' time (tests move it), ``session_now`` the wall clock sessions expire by, as
    ``sessions.get`` reads them. The session and the directory the page's parts read (its
    agent, every agent, the levels and calendars) come in one hop to the store's thread, as
    on the inbox; the ticket is read only once the session has been checked (2026-12-01)."""
    key = SessionKey(session=query.session)
    (entry,), every = await store.read_directory([("session", digest(key.session))], _TICKET_KINDS)
    store = cast(TicketStore, _ReadOnce(store, entry, every))
    session = await credentials.read_session(store=store, key=key, caller=caller, now=session_now)
    agent = session_caller(session)
    ticket = await reads.ticket_detail(
        store=store, ref=query.ref, caller=agent, policies=policies, now=now
    )
    # Side by side: each read is a hop to the store's one thread, and twenty pages at once
    # queue there; one page's reads queued together wait their turn once, not four times.
    # The history is the ticket's just read and found visible to the agent, as
    # ``tickets.history`` checks: read once more, by id, it was a hop of its own (2026-12-01).
    history, agents, vocabulary, accounts = await asyncio.gather(
        store.history_of(ticket.id),
        directory.list_agents(store=store, caller=agent),
        directory.vocabulary(store=store, scale=scale),
        _reply_accounts(store, ticket, agent),
    )
    return TicketPageRead(
        session=session,
        ticket=ticket,
        history=history,
        agents=agents,
        priorities=vocabulary.priorities,
        levels=vocabulary.levels,
        reply_accounts=accounts,
    )


async def _reply_accounts(store: TicketStore, ticket: TicketDetail, caller: Caller) -> list[str]:
    """The conversation's account first, then the level's others (ticketing refuses, with the
    reason, one that cannot send on this conversation); a level since removed offers none."""
    accounts = [ticket.account] if ticket.account else []
    if ticket.level:
        try:
            level = await directory.get_level(store=store, name=ticket.level, caller=caller)
        except rpc.NotFound:
            return accounts
        accounts += [a for a in level.accounts if a not in accounts]
    return accounts


async def inbox_page(
    *,
    store: TicketStore,
    query: InboxPageQuery,
    caller: Caller,
    scale: PriorityScale,
    policies: CachedPolicies,
    now: datetime,
    session_now: datetime,
) -> rpc.Encoded:
    """The inbox (``InboxPageRead``'s JSON): a view's page of tickets (its filters, sort and
    order, the query's page size and cursor) or the query's; a view the agent does not see
    is refused (404). The views come without their counts: a count per view on every page
    was a third of this call's work (bench/console.py), and the console fetches them after
    the page (``views.list``). The page of tickets is the API list's own answer, made of the
    rows the store keeps ready to send (``reads.list_tickets_json``): building a model per
    row and writing it again made this call cost twice the list's (2026-12-01)."""
    # The session and the directory the page's parts read (its agent, the views, levels,
    # calendars and agents), read together in one hop to the store's thread: each part read
    # them again, a hop each, ten a page (2026-12-01). The parts run as before, on that read.
    key = SessionKey(session=query.session)
    (entry,), every = await store.read_directory([("session", digest(key.session))], _INBOX_KINDS)
    store = cast(TicketStore, _ReadOnce(store, entry, every))
    session = await credentials.read_session(store=store, key=key, caller=caller, now=session_now)
    agent = session_caller(session)

    async def listed() -> tuple[ViewRead | None, rpc.Encoded]:
        view = None
        asked = query.query
        if query.view_id:
            view = await views.get_view(
                store=store, caller=agent, scale=scale, view_id=query.view_id
            )
            asked = TicketQuery(
                **view.filters.model_dump(),
                sort=view.sort,
                order=view.order,
                page_size=asked.page_size,
                cursor=asked.cursor,
            )
        listing = await reads.list_tickets_json(
            store=store,
            query=asked,
            caller=agent,
            policies=policies,
            now=now,
            priorities=scale.levels,
        )
        return view, listing

    # Side by side, as on the ticket page: the reads queue at the store's thread together.
    shown, (view, listing), vocabulary, agents = await asyncio.gather(
        views.list_views(store=store, caller=agent, scale=scale, counted=False),
        listed(),
        directory.vocabulary(store=store, scale=scale),
        directory.list_agents(store=store, caller=agent),
    )
    return _inbox_json(
        session=session,
        views=shown,
        view=view,
        listing=listing,
        agents=agents,
        priorities=vocabulary.priorities,
        levels=vocabulary.levels,
    )


_INBOX_KINDS: tuple[Kind, ...] = ("agent", "view", "level", "calendar")
_TICKET_KINDS: tuple[Kind, ...] = ("agent", "level", "calendar")


class _ReadOnce:
    """The store, answering the session's entry and every entry of the page's kinds from
    one read made before (each a copy, as a read of its own returns); everything else,
    writes included, goes to the store. The SLA policies, when they are due to be read
    again during the page, read the levels and calendars from that read too: it is
    milliseconds old, and they are kept for ``CACHE_SECONDS`` anyway."""

    def __init__(
        self,
        store: TicketStore,
        session: dict[str, Any] | None,
        every: dict[Kind, dict[str, Entry]],
    ) -> None:
        self._store = store
        self._session = session
        self._every = every

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def get_entry(self, kind: Kind, key: str) -> dict[str, Any] | None:
        if kind == "session":
            return None if self._session is None else dict(self._session)
        if kind in self._every:
            entry = self._every[kind].get(key)
            return None if entry is None else dict(entry.body)
        return await self._store.get_entry(kind, key)

    async def read_entry(self, kind: Kind, key: str) -> Entry | None:
        if kind in self._every:
            entry = self._every[kind].get(key)
            return None if entry is None else Entry(dict(entry.body), entry.revision)
        return await self._store.read_entry(kind, key)

    async def list_entries(self, kind: Kind) -> list[dict[str, Any]]:
        if kind in self._every:
            return [dict(entry.body) for entry in self._every[kind].values()]
        return await self._store.list_entries(kind)

    async def read_entries(self, kind: Kind) -> list[Entry]:
        if kind in self._every:
            return [Entry(dict(e.body), e.revision) for e in self._every[kind].values()]
        return await self._store.read_entries(kind)


def _inbox_json(
    *,
    session: SessionRead,
    views: Sequence[ViewRead],
    view: ViewRead | None,
    listing: bytes,
    agents: Sequence[AgentRead],
    priorities: Sequence[str],
    levels: Sequence[str],
) -> rpc.Encoded:
    """``InboxPageRead``'s JSON, its fields in the model's order, with the listing's bytes
    put in as they are (``rpc.encode_result`` writes the other parts the same way)."""
    head = to_json({"session": session, "views": views, "view": view}, by_alias=False)
    tail = to_json({"agents": agents, "priorities": priorities, "levels": levels}, by_alias=False)
    return rpc.Encoded(head[:-1] + b',"listing":' + listing + b"," + tail[1:])
