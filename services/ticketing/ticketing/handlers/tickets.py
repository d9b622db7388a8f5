"""Request/reply methods on tickets: list, read, edit, assign, open by hand, add a note."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Caller
from contracts.rpc_ticketing import (
    TicketAssignment,
    TicketingMethod,
    TicketNote,
    TicketRef,
    TicketUpdate,
)
from contracts.tickets import TicketCreate, TicketQuery
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import assignment, editing, manual_opening, notes, reads


def methods(deps: Deps) -> dict[str, rpc.Method]:
    store, publisher, scale = deps.store, deps.publisher, deps.scale

    async def list_tickets(query: TicketQuery, caller: Caller) -> Any:
        return await reads.list_tickets_json(
            store=store,
            query=query,
            caller=caller,
            policies=deps.sla_policies,
            now=deps.clock(),
            priorities=scale.levels,
        )

    async def get_ticket(params: TicketRef, caller: Caller) -> Any:
        return await reads.ticket_detail_json(
            store=store,
            ref=params.ref,
            caller=caller,
            policies=deps.sla_policies,
            now=deps.clock(),
        )

    async def history(params: TicketRef, caller: Caller) -> Any:
        return await reads.ticket_history(store=store, ref=params.ref, caller=caller)

    async def update(params: TicketUpdate, caller: Caller) -> Any:
        return await editing.edit_ticket(
            store=store,
            publisher=publisher,
            scale=scale,
            ref=params.ref,
            patch=params.patch,
            caller=caller,
            now=deps.clock(),
        )

    async def assign(params: TicketAssignment, caller: Caller) -> Any:
        return await assignment.assign_ticket(
            store=store,
            publisher=publisher,
            scale=scale,
            ref=params.ref,
            how=params.assign,
            caller=caller,
            now=deps.clock(),
        )

    async def create(request: TicketCreate, caller: Caller) -> Any:
        return await manual_opening.open_manually(
            store=store,
            publisher=publisher,
            scale=scale,
            request=request,
            caller=caller,
            auto_reply_cooldown=deps.auto_reply_cooldown,
            now=deps.clock(),
        )

    async def note(params: TicketNote, caller: Caller) -> Any:
        return await notes.add_note(
            store=store,
            publisher=publisher,
            ref=params.ref,
            text=params.note.text,
            caller=caller,
            now=deps.clock(),
        )

    return {
        TicketingMethod.TICKETS_LIST: rpc.typed(TicketQuery, list_tickets),
        TicketingMethod.TICKETS_GET: rpc.typed(TicketRef, get_ticket),
        TicketingMethod.TICKETS_HISTORY: rpc.typed(TicketRef, history),
        TicketingMethod.TICKETS_UPDATE: rpc.typed(TicketUpdate, update),
        TicketingMethod.TICKETS_ASSIGN: rpc.typed(TicketAssignment, assign),
        TicketingMethod.TICKETS_CREATE: rpc.typed(TicketCreate, create),
        TicketingMethod.TICKETS_NOTE: rpc.typed(TicketNote, note),
    }
