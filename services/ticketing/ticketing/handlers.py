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
from contracts.tickets import TicketDetail, TicketPage, TicketPatch, TicketQuery, TicketRead
from servicekit import consuming, rpc
from servicekit.keyed_locks import KeyedLocks
from servicekit.publishing import EventPublisher
from ticketing import rpc_directory, services, views
from ticketing.domain.priority import PriorityScale
from ticketing.domain.status import TransitionRefused
from ticketing.domain.tickets import Ticket
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

    async def find(ref: str) -> Ticket:
        try:
            ticket = await deps.store.get_ticket(UUID(ref))
        except ValueError:
            ticket = await deps.store.get_ticket_by_protocol(ref)
        if ticket is None:
            raise rpc.NotFound(f"no ticket {ref}")
        return ticket

    async def list_tickets(params: dict[str, Any], caller: Caller) -> TicketPage:
        query = TicketQuery.model_validate(params)
        items, total = await deps.store.list_tickets(query)
        return TicketPage(
            items=[views.read(t) for t in items],
            total=total,
            page=query.page,
            page_size=query.page_size,
        )

    async def get_ticket(params: dict[str, Any], caller: Caller) -> TicketDetail:
        ticket = await find(TicketRef.model_validate(params).ref)
        return views.detail(ticket, await deps.store.interactions_of(ticket.id))

    async def update_ticket(params: dict[str, Any], caller: Caller) -> TicketRead:
        request = TicketUpdate.model_validate(params)
        target = await find(request.ref)
        try:
            ticket = await services.update_ticket(
                store=deps.store,
                publisher=deps.publisher,
                scale=deps.scale,
                ticket_id=target.id,
                patch=request.patch,
                actor=f"agent:{caller.id}",
            )
        except TransitionRefused as exc:
            raise rpc.Conflict(str(exc)) from exc
        except ValueError as exc:
            raise rpc.Invalid(str(exc)) from exc
        if ticket is None:
            raise rpc.NotFound(f"no ticket {request.ref}")
        return views.read(ticket)

    async def history(params: dict[str, Any], caller: Caller) -> list[Any]:
        ticket = await find(TicketRef.model_validate(params).ref)
        return await deps.store.history_of(ticket.id)

    rpc.serve(
        router,
        topology.TICKETING_RPC,
        {
            TicketMethods.LIST: list_tickets,
            TicketMethods.GET: get_ticket,
            TicketMethods.UPDATE: update_ticket,
            TicketMethods.HISTORY: history,
            **rpc_directory.methods(deps.store, deps.scale),
        },
    )
    return router
