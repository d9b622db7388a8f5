"""Turning a caller into what they may see and do. The gateway authenticates; ticketing,
which knows the agents' levels, decides what an agent may reach."""

from __future__ import annotations

from uuid import UUID

from contracts.rpc import Caller
from servicekit import rpc
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.shared import directory_reads
from ticketing.store.directory import DirectoryStore
from ticketing.store.port import TicketStore


class Forbidden(rpc.RpcFailure):
    status = 403
    code = "forbidden"


def require_admin(caller: Caller) -> None:
    if caller.role != "admin":
        raise Forbidden("only an administrator can do this")


def actor_of(caller: Caller) -> str:
    """How the caller appears in a ticket's history and events."""
    return f"agent:{caller.id}"


async def visibility(store: DirectoryStore, caller: Caller) -> Visibility | None:
    """None for admins and the system: they see everything."""
    if caller.role != "agent":
        return None
    agent = await directory_reads.agent(store, caller.id)
    if agent is None or not agent.active:
        raise Forbidden("your agent account was removed or deactivated")
    return Visibility(agent.id, tuple(agent.levels))


async def require_active(store: DirectoryStore, caller: Caller) -> None:
    """Agents must still exist and be active: a token outlives a deactivation otherwise."""
    await visibility(store, caller)


async def require_visible(store: DirectoryStore, caller: Caller, ticket: Ticket) -> None:
    seen = await visibility(store, caller)
    if seen is not None and not seen.sees(ticket):
        raise Forbidden(
            f"ticket {ticket.protocol} is neither assigned to you nor in one of your levels"
        )


async def find_ticket(store: TicketStore, ref: str, caller: Caller) -> Ticket:
    """The ticket by id or protocol number, if the caller may see it (404, 403)."""
    try:
        ticket = await store.get_ticket(UUID(ref))
    except ValueError:
        ticket = await store.get_ticket_by_protocol(ref)
    if ticket is None:
        raise rpc.NotFound(f"no ticket {ref}")
    await require_visible(store, caller, ticket)
    return ticket
