"""The request/reply method that shares a ticket with a collaborator."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Caller
from contracts.rpc_ticketing import OpinionRequesting, TicketingMethod
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import opinions


def methods(deps: Deps) -> dict[str, rpc.Method]:
    async def request(params: OpinionRequesting, caller: Caller) -> Any:
        return await opinions.request_opinion(
            store=deps.store,
            publisher=deps.publisher,
            ref=params.ref,
            create=params.request,
            caller=caller,
            now=deps.clock(),
        )

    return {TicketingMethod.OPINIONS_REQUEST: rpc.typed(OpinionRequesting, request)}
