"""Ticketing's message handlers: the triaged-interaction consumer and the request/reply
methods the gateway calls. Each maps a message to a use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from faststream.rabbit import RabbitRouter
from pydantic import BaseModel, ConfigDict

from contracts import topology
from contracts.events import InteractionTriagedV1
from contracts.rpc import Caller, TicketMethods
from contracts.tickets import (
    TICKETS_ASSIGN,
    TicketAssign,
    TicketDetail,
    TicketPage,
    TicketPatch,
    TicketQuery,
    TicketRead,
)
from servicekit import consuming, rpc
from servicekit.keyed_locks import KeyedLocks
from servicekit.publishing import EventPublisher
from ticketing import (
    access,
    assigning,
    directory,
    editing,
    rpc_bulk,
    rpc_directory,
    rpc_tickets,
    services,
    views,
)
from ticketing.domain.priority import PriorityScale
from ticketing.domain.status import TransitionRefused
from ticketing.domain.tickets import Ticket
from ticketing.opinions import rpc_methods as opinion_methods
from ticketing.store.port import TicketStore


@dataclass
class Deps:
    store: TicketStore
    publisher: EventPublisher
    scale: PriorityScale
    locks: KeyedLocks = field(default_factory=KeyedLocks)


class TicketRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str


class TicketUpdate(TicketRef):
    patch: TicketPatch


class TicketAssignment(TicketRef):
    assign: TicketAssign


def build_router(deps: Deps) -> RabbitRouter:
    router = RabbitRouter()

    async def on_triaged(event: InteractionTriagedV1) -> None:
        await services.handle_triaged(
            store=deps.store,
            publisher=deps.publisher,
            scale=deps.scale,
            locks=deps.locks,
            event=event,
        )

    consuming.consume(
        router,
        topology.TICKETING_INTERACTIONS,
        InteractionTriagedV1,
        on_triaged,
        publisher=deps.publisher,
    )

    async def find(ref: str, caller: Caller) -> Ticket:
        """The ticket by id or protocol number, if the caller may see it (404, 403)."""
        try:
            ticket = await deps.store.get_ticket(UUID(ref))
        except ValueError:
            ticket = await deps.store.get_ticket_by_protocol(ref)
        if ticket is None:
            raise rpc.NotFound(f"no ticket {ref}")
        await access.require_visible(deps.store, caller, ticket)
        return ticket

    async def list_tickets(params: dict[str, Any], caller: Caller) -> TicketPage:
        query = TicketQuery.model_validate(params)
        visible = await access.visibility(deps.store, caller)
        listing = await deps.store.list_tickets(query, visible=visible)
        return TicketPage(
            items=[views.read(t) for t in listing.items],
            total=listing.total,
            total_exact=listing.total_exact,
            page=query.page,
            page_size=query.page_size,
            next_cursor=listing.next_cursor,
        )

    async def get_ticket(params: dict[str, Any], caller: Caller) -> TicketDetail:
        ticket = await find(TicketRef.model_validate(params).ref, caller)
        interactions = await deps.store.interactions_of(ticket.id)
        groups = await directory.author_groups(deps.store, [i.interaction for i in interactions])
        return views.detail(
            ticket,
            [
                i.model_copy(
                    update={"author_groups": groups.get(directory.author_key(i.interaction), [])}
                )
                for i in interactions
            ],
            await deps.store.children_of(ticket.id),
        )

    async def update_ticket(params: dict[str, Any], caller: Caller) -> TicketRead:
        request = TicketUpdate.model_validate(params)
        return await edit(request.ref, request.patch, caller)

    async def assign(params: dict[str, Any], caller: Caller) -> TicketRead:
        request = TicketAssignment.model_validate(params)
        how = request.assign
        agent = how.agent
        if agent is None:
            ticket = await find(request.ref, caller)
            level = how.level or (ticket.level if how.team is None else None)
            if level is None and how.team is None:
                raise rpc.Invalid("the ticket has no level: name a level or a team to pick from")
            try:
                agent = await assigning.pick_assignee(
                    deps.store, strategy=how.strategy or "", level=level, team=how.team
                )
            except ValueError as exc:
                raise rpc.Conflict(str(exc)) from exc
        return await edit(request.ref, TicketPatch(assignee=agent), caller)

    async def edit(ref: str, patch: TicketPatch, caller: Caller) -> TicketRead:
        target = await find(ref, caller)
        try:
            ticket = await editing.update_ticket(
                store=deps.store,
                publisher=deps.publisher,
                scale=deps.scale,
                ticket_id=target.id,
                patch=patch,
                actor=f"agent:{caller.id}",
            )
        except TransitionRefused as exc:
            raise rpc.Conflict(str(exc)) from exc
        except ValueError as exc:
            raise rpc.Invalid(str(exc)) from exc
        if ticket is None:
            raise rpc.NotFound(f"no ticket {ref}")
        return views.read(ticket)

    async def history(params: dict[str, Any], caller: Caller) -> list[Any]:
        ticket = await find(TicketRef.model_validate(params).ref, caller)
        return await deps.store.history_of(ticket.id)

    rpc.serve(
        router,
        topology.TICKETING_RPC,
        {
            TicketMethods.LIST: list_tickets,
            TicketMethods.GET: get_ticket,
            TicketMethods.UPDATE: update_ticket,
            TicketMethods.HISTORY: history,
            **opinion_methods(store=deps.store, publisher=deps.publisher, find=find),
            TICKETS_ASSIGN: assign,
            **rpc_directory.methods(deps.store, deps.scale),
            **rpc_tickets.methods(deps.store, deps.publisher, deps.scale, find),
            **rpc_bulk.methods(deps.store, deps.publisher, deps.scale, find),
        },
    )
    return router
