"""Request/reply methods at the end of a ticket's life and beside it: merge, sub-tickets,
removal and export."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Caller
from contracts.rpc_ticketing import (
    TicketChild,
    TicketExportRequest,
    TicketingMethod,
    TicketMerging,
    TicketRef,
)
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import lifecycle, reads


def methods(deps: Deps) -> dict[str, rpc.Method]:
    store, publisher = deps.store, deps.publisher

    async def merge(params: TicketMerging, caller: Caller) -> Any:
        return await lifecycle.merge_tickets(
            store=store,
            publisher=publisher,
            ref=params.ref,
            into=params.merge.into,
            caller=caller,
            now=deps.clock(),
        )

    async def child(params: TicketChild, caller: Caller) -> Any:
        return await lifecycle.open_child(
            store=store,
            publisher=publisher,
            ref=params.ref,
            title=params.child.title,
            level=params.child.level,
            caller=caller,
            now=deps.clock(),
        )

    async def remove(params: TicketRef, caller: Caller) -> Any:
        return await lifecycle.remove_ticket(
            store=store, publisher=publisher, ref=params.ref, caller=caller, now=deps.clock()
        )

    async def export(params: TicketExportRequest, caller: Caller) -> Any:
        return await reads.export_ticket(
            store=store, ref=params.ref, format=params.format, caller=caller, now=deps.clock()
        )

    return {
        TicketingMethod.TICKETS_MERGE: rpc.typed(TicketMerging, merge),
        TicketingMethod.TICKETS_CHILD: rpc.typed(TicketChild, child),
        TicketingMethod.TICKETS_REMOVE: rpc.typed(TicketRef, remove),
        TicketingMethod.TICKETS_EXPORT: rpc.typed(TicketExportRequest, export),
    }
