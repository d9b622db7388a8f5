"""The accounts the ticket page's reply form offers: the one the conversation is on first,
then the other accounts the ticket's level serves (ticketing refuses, with the reason, one
that cannot send on this conversation)."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Caller
from contracts.rpc_ticketing import DirectoryKey, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway.deps import Services


async def reply_accounts(services: Services, caller: Caller, ticket: dict[str, Any]) -> list[str]:
    accounts = [str(ticket["account"])] if ticket.get("account") else []
    if ticket.get("level"):
        reply = await services.reply(
            TICKETING_RPC, TicketingMethod.LEVELS_GET, DirectoryKey(key=ticket["level"]), caller
        )
        if reply.error is None:
            accounts += [a for a in reply.result["accounts"] if a not in accounts]
    return accounts
