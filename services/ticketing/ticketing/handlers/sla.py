"""Request/reply methods of the SLA area: a level's tickets per band."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Caller
from contracts.rpc_ticketing import DirectoryKey, TicketingMethod
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import sla


def methods(deps: Deps) -> dict[str, rpc.Method]:
    async def level_counts(params: DirectoryKey, caller: Caller) -> Any:
        return await sla.level_counts(store=deps.store, name=params.key, caller=caller)

    return {TicketingMethod.LEVELS_SLA: rpc.typed(DirectoryKey, level_counts)}
