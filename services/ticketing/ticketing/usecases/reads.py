"""What the desk reads about tickets: the list, one ticket's detail and history, and its
export as one document or as a transcript a person can read (docs/domain.md F13)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from pydantic_core import to_json

from contracts.rpc import Caller
from contracts.tickets import (
    HistoryEntry,
    TicketDetail,
    TicketExport,
    TicketPage,
    TicketQuery,
)
from servicekit import rpc
from ticketing.domain.views import with_own_id
from ticketing.shared import access, transcript, views
from ticketing.shared.sla_policies import (
    CachedPolicies,
    clocked_page,
    clocked_rows,
    reading_of,
    ticket_sla,
)
from ticketing.store.page_json import page_json
from ticketing.store.port import StoredDetail, TicketStore


async def list_tickets(
    *,
    store: TicketStore,
    query: TicketQuery,
    caller: Caller,
    policies: CachedPolicies | None = None,
    now: datetime | None = None,
    priorities: Sequence[str] = (),
) -> TicketPage:
    """An agent sees the tickets of their levels and their own; admins see every ticket.
    Each ticket shows its SLA clocks as of ``now`` (``policies``: its level's).
    ``priorities`` is the scale, highest first, which the priority sort follows."""
    visible = await access.visibility(store, caller)
    query = with_own_id(query, caller.id)
    if policies is not None:
        listing = await clocked_page(
            store,
            query,
            visible=visible,
            priorities=priorities,
            policies=policies,
            now=now or datetime.now(UTC),
        )
    else:
        listing = await store.ticket_page(query, visible=visible, priorities=priorities)
    # The items were validated as they were read; the page only wraps them.
    return TicketPage.model_construct(
        items=listing.items,
        total=listing.total,
        total_exact=listing.total_exact,
        page=query.page,
        page_size=query.page_size,
        next_cursor=listing.next_cursor,
    )


async def list_tickets_json(
    *,
    store: TicketStore,
    query: TicketQuery,
    caller: Caller,
    policies: CachedPolicies | None = None,
    now: datetime | None = None,
    priorities: Sequence[str] = (),
) -> rpc.Encoded:
    """``list_tickets``' page as the JSON ``TicketPage`` writes, made of the rows the store
    keeps ready to send (``TicketStore.ticket_rows``): the API's list, whose bytes the
    gateway relays as they are. No model is built per row (issue 8 part 6)."""
    visible = await access.visibility(store, caller)
    query = with_own_id(query, caller.id)
    if policies is not None:
        listing = await clocked_rows(
            store,
            query,
            visible=visible,
            priorities=priorities,
            policies=policies,
            now=now or datetime.now(UTC),
        )
    else:
        listing = await store.ticket_rows(query, visible=visible, priorities=priorities)
    return rpc.Encoded(
        page_json(
            listing.items,
            total=listing.total,
            total_exact=listing.total_exact,
            page=query.page,
            page_size=query.page_size,
            next_cursor=listing.next_cursor,
        )
    )


async def ticket_detail(
    *,
    store: TicketStore,
    ref: str,
    caller: Caller,
    policies: CachedPolicies | None = None,
    now: datetime | None = None,
) -> TicketDetail:
    """The ticket with its interactions (each with its author's groups) and sub-tickets, and
    its SLA clocks as of ``now``: one read of the store, whose parts were validated as they
    were read and are put together here without a second pass."""
    detail, stored = await _detail(store, ref, caller, policies, now)
    return detail.model_copy(update={"interactions": stored.interactions})


async def ticket_detail_json(
    *,
    store: TicketStore,
    ref: str,
    caller: Caller,
    policies: CachedPolicies | None = None,
    now: datetime | None = None,
) -> rpc.Encoded:
    """``ticket_detail`` as the JSON ``TicketDetail`` writes, the API's detail, with the
    interactions as the store wrote them (``StoredDetail.interactions_json``) put in their
    place rather than written again (issue 8 part 6)."""
    detail, stored = await _detail(store, ref, caller, policies, now)
    written = to_json(detail)
    # ``interactions`` and ``children`` are the model's last fields: found from the end,
    # where no text of the ticket's can stand in for them.
    children = b'"children":' + to_json(detail.children) + b"}"
    end = b'"interactions":[],' + children
    if stored.interactions_json is None or not written.endswith(end):
        full = detail.model_copy(update={"interactions": stored.interactions})
        return rpc.Encoded(to_json(full))
    return rpc.Encoded(
        written[: -len(end)] + b'"interactions":' + stored.interactions_json + b"," + children
    )


async def _detail(
    store: TicketStore,
    ref: str,
    caller: Caller,
    policies: CachedPolicies | None,
    now: datetime | None,
) -> tuple[TicketDetail, StoredDetail]:
    """The detail without its interactions (the callers put them in), and what was read."""
    try:
        key: UUID | str = UUID(ref)
    except ValueError:
        key = ref
    stored = await store.ticket_detail(key)
    if stored is None:
        raise rpc.NotFound(f"no ticket {ref}")
    ticket = stored.ticket
    await access.require_visible(store, caller, ticket)
    detail = TicketDetail.model_construct(
        **dict(stored.read), interactions=[], children=stored.children
    )
    if policies is not None:
        moment = now or datetime.now(UTC)
        reading = reading_of(
            await policies.get(store, [ticket.level], moment),
            ticket.sla,
            level=ticket.level,
            priority=ticket.priority,
            status=ticket.status.value,
            opened_at=ticket.opened_at,
            now=moment,
        )
        if reading is not None:
            return detail.model_copy(update={"sla": ticket_sla(reading)}), stored
    return detail, stored


async def ticket_history(*, store: TicketStore, ref: str, caller: Caller) -> list[HistoryEntry]:
    ticket = await access.find_ticket(store, ref, caller)
    return await store.history_of(ticket.id)


async def export_ticket(
    *,
    store: TicketStore,
    ref: str,
    format: Literal["json", "text"],
    caller: Caller,
    now: datetime | None = None,
) -> TicketExport | str:
    ticket = await access.find_ticket(store, ref, caller)
    exported = TicketExport(
        ticket=views.detail(
            ticket, await store.interactions_of(ticket.id), await store.children_of(ticket.id)
        ),
        history=await store.history_of(ticket.id),
        exported_at=now or datetime.now(UTC),
    )
    return transcript.render(exported) if format == "text" else exported
