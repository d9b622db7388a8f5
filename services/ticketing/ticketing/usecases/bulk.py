"""The bulk change (docs/domain.md F9): one request, each ticket changed on its own, with a
result per ticket so one refusal does not hide the others' success."""

from __future__ import annotations

from contracts.rpc import Caller
from contracts.tickets import (
    MAX_BULK,
    MAX_PAGE_SIZE,
    BulkReport,
    BulkResult,
    TicketBulk,
    TicketPatch,
)
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain.priority import PriorityScale
from ticketing.domain.status import TransitionRefused
from ticketing.domain.tickets import merge_tags
from ticketing.domain.views import with_own_id
from ticketing.shared import access, views
from ticketing.shared.field_edits import edit_fields
from ticketing.store.port import TicketStore


async def bulk_change(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    request: TicketBulk,
    caller: Caller,
) -> BulkReport:
    await access.require_active(store, caller)  # refused whole, not ticket by ticket
    results = [
        await _change_one(store, publisher, scale, ref, request, caller)
        for ref in await _selected(store, request, caller)
    ]
    succeeded = sum(r.ok for r in results)
    return BulkReport(results=results, succeeded=succeeded, failed=len(results) - succeeded)


async def _selected(store: TicketStore, request: TicketBulk, caller: Caller) -> list[str]:
    if request.ids is not None:
        return list(request.ids)
    assert request.filter is not None
    visible = await access.visibility(store, caller)
    refs: list[str] = []
    cursor = None
    while True:
        # The selection, not its order, matters: the plain order walks every ticket.
        query = with_own_id(request.filter, caller.id).model_copy(
            update={"page": 1, "cursor": cursor, "page_size": MAX_PAGE_SIZE, "sort": "updated"}
        )
        items, total, exact, cursor = await store.list_tickets(query, visible=visible)
        if total > MAX_BULK or not exact:
            raise rpc.Invalid(
                f"the filter matches {total}{'' if exact else '+'} tickets; a bulk change takes"
                f" at most {MAX_BULK}: narrow the filter"
            )
        refs += [str(t.id) for t in items]
        if cursor is None:
            return refs


async def _change_one(
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    ref: str,
    request: TicketBulk,
    caller: Caller,
) -> BulkResult:
    change = request.change
    try:
        ticket = await access.find_ticket(store, ref, caller)
        values = change.model_dump(exclude_unset=True, exclude={"add_tags"})
        if change.add_tags:
            values["tags"] = list(merge_tags(ticket.tags, change.add_tags))
        updated = await edit_fields(
            store=store,
            publisher=publisher,
            scale=scale,
            ticket_id=ticket.id,
            patch=TicketPatch(**values),
            actor=access.actor_of(caller),
        )
    except rpc.RpcFailure as exc:
        return BulkResult(ref=ref, ok=False, status=exc.status, detail=exc.detail)
    except TransitionRefused as exc:
        return BulkResult(ref=ref, ok=False, status=409, detail=str(exc))
    except ValueError as exc:
        return BulkResult(ref=ref, ok=False, status=422, detail=str(exc))
    if updated is None:
        return BulkResult(ref=ref, ok=False, status=404, detail=f"no ticket {ref}")
    return BulkResult(ref=ref, ok=True, status=200, ticket=views.read(updated))
