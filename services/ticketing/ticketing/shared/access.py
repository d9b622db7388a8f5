"""Turning a caller into what they may see and do. The gateway authenticates; ticketing,
which knows the agents' levels, decides what an agent may reach."""

from __future__ import annotations

from uuid import UUID

from contracts.rpc import Caller
from contracts.tickets import StoredInteraction
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


async def interaction_visibility(store: DirectoryStore, caller: Caller) -> Visibility | None:
    """``visibility`` with the accounts the agent's levels serve, which decide the
    interactions no ticket holds (read only for interactions: tickets do not need them)."""
    seen = await visibility(store, caller)
    if seen is None:
        return None
    accounts: list[str] = []
    for name in seen.levels:
        level = await directory_reads.level_settings(store, name)
        if level is not None:
            accounts.extend(a for a in level.accounts if a not in accounts)
    return Visibility(seen.agent, seen.levels, tuple(accounts))


async def require_active(store: DirectoryStore, caller: Caller) -> None:
    """Agents must still exist and be active: a token outlives a deactivation otherwise."""
    await visibility(store, caller)


async def require_visible(store: DirectoryStore, caller: Caller, ticket: Ticket) -> None:
    seen = await visibility(store, caller)
    if seen is not None and not seen.sees(ticket):
        raise Forbidden(
            f"ticket {ticket.protocol} is neither assigned to you nor in one of your levels"
        )


async def require_level(store: DirectoryStore, caller: Caller, level: str | None) -> None:
    """Agents put tickets only in their own levels: a ticket placed elsewhere would leave
    their sight the moment it exists, and hand work to a level they are not part of."""
    seen = await visibility(store, caller)
    if seen is not None and level is not None and level not in seen.levels:
        raise Forbidden(f"you are not in level {level!r}")


async def require_interaction_visible(
    store: TicketStore, caller: Caller, stored: StoredInteraction
) -> None:
    """An interaction is seen through its ticket, or, without one, through its account."""
    seen = await interaction_visibility(store, caller)
    if seen is None:
        return
    if stored.ticket_id is None:
        if not seen.sees_unticketed(stored.interaction.account):
            raise Forbidden(
                f"the interaction is on account {stored.interaction.account!r}, "
                "which none of your levels serves"
            )
        return
    ticket = await store.get_ticket(stored.ticket_id)
    if ticket is None or not seen.sees(ticket):
        raise Forbidden("the interaction is in a ticket you cannot see")


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
