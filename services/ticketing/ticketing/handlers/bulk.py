"""The bulk change: one request changing many tickets, each on its own."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Caller
from contracts.rpc_ticketing import TicketingMethod
from contracts.tickets import TicketBulk
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import bulk


def methods(deps: Deps) -> dict[str, rpc.Method]:
    async def change(request: TicketBulk, caller: Caller) -> Any:
        return await bulk.bulk_change(
            store=deps.store,
            publisher=deps.publisher,
            scale=deps.scale,
            request=request,
            caller=caller,
        )

    return {TicketingMethod.TICKETS_BULK: rpc.typed(TicketBulk, change)}
