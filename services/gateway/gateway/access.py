"""The caller as the services that own the data see them. The gateway only authenticates: a
token outlives a deactivation, so before a route whose service does not keep the agents
(rules, notifier) answers, ticketing, which does, is asked whether the agent is still active."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException

from contracts.rpc import Caller
from contracts.rpc_ticketing import DirectoryKey, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway.deps import CurrentCaller, Services, ServicesDep


async def still_active(services: Services, caller: Caller) -> bool:
    """Whether ticketing still lets the caller in (403 means deactivated or removed)."""
    try:
        await agent_of(services, caller)
    except HTTPException as exc:
        if exc.status_code == 403:
            return False
        raise
    return True


async def agent_of(services: Services, caller: Caller) -> dict[str, Any]:
    """The calling agent as ticketing keeps them; 403 when deactivated or removed."""
    result: dict[str, Any] = await services.call(
        TICKETING_RPC, TicketingMethod.AGENTS_GET, DirectoryKey(key=caller.id), caller
    )
    return result


async def active_caller(caller: CurrentCaller, services: ServicesDep) -> Caller:
    if caller.role == "agent":
        await agent_of(services, caller)
    return caller


ActiveCaller = Annotated[Caller, Depends(active_caller)]
