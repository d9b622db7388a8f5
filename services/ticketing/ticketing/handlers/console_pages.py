"""Request/reply methods for the console's pages (``console.*``): one call per page."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.console_pages import InboxPageQuery, TicketPageQuery, TicketPageRead
from contracts.rpc import Caller
from contracts.rpc_ticketing import TicketingMethod
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import console_pages


def methods(deps: Deps) -> dict[str, rpc.Method]:
    async def ticket_page(query: TicketPageQuery, caller: Caller) -> TicketPageRead:
        return await console_pages.ticket_page(
            store=deps.store,
            query=query,
            caller=caller,
            scale=deps.scale,
            policies=deps.sla_policies,
            now=deps.clock(),
            session_now=datetime.now(UTC),
        )

    async def inbox_page(query: InboxPageQuery, caller: Caller) -> rpc.Encoded:
        return await console_pages.inbox_page(
            store=deps.store,
            query=query,
            caller=caller,
            scale=deps.scale,
            policies=deps.sla_policies,
            now=deps.clock(),
            session_now=datetime.now(UTC),
        )

    return {
        TicketingMethod.CONSOLE_TICKET_PAGE: rpc.typed(TicketPageQuery, ticket_page),
        TicketingMethod.CONSOLE_INBOX_PAGE: rpc.typed(InboxPageQuery, inbox_page),
    }
