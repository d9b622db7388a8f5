"""Request/reply methods for what agents do beyond editing fields: notes, tickets opened by
hand, and picking and tagging stored interactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from contracts.rpc import Caller
from contracts.tickets import (
    INTERACTIONS_LIST,
    INTERACTIONS_TAG,
    TICKETS_CHILD,
    TICKETS_CREATE,
    TICKETS_EXPORT,
    TICKETS_MERGE,
    TICKETS_NOTE,
    TICKETS_REMOVE,
    ChildCreate,
    InteractionPage,
    InteractionQuery,
    InteractionTags,
    NoteCreate,
    TicketCreate,
    TicketExport,
    TicketMerge,
    TicketMerged,
)
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing import access, desk, lifecycle, transcript, views
from ticketing.domain.lifecycle import MergeRefused
from ticketing.domain.priority import PriorityScale
from ticketing.domain.tickets import Ticket
from ticketing.store.port import StaleTicket, TicketStore

Find = Callable[[str, Caller], Awaitable[Ticket]]


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str
    note: NoteCreate


class Merging(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str
    merge: TicketMerge


class Child(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str
    child: ChildCreate


class Ref(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str


class ExportRequest(Ref):
    format: Literal["json", "text"] = "json"


class Tagging(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    tags: InteractionTags


def methods(
    store: TicketStore, publisher: EventPublisher, scale: PriorityScale, find: Find
) -> dict[str, rpc.Method]:
    async def note(params: dict[str, Any], caller: Caller) -> Any:
        request = Note.model_validate(params)
        ticket = await find(request.ref, caller)
        try:
            entry = await desk.add_note(
                store=store,
                publisher=publisher,
                ticket_id=ticket.id,
                text=request.note.text,
                actor=f"agent:{caller.id}",
            )
        except desk.Refused as exc:
            raise rpc.Conflict(str(exc)) from exc
        if entry is None:
            raise rpc.NotFound(f"no ticket {request.ref}")
        return entry

    async def create(params: dict[str, Any], caller: Caller) -> Any:
        await access.require_active(store, caller)
        request = TicketCreate.model_validate(params)
        if request.assign_to_me and caller.role != "agent":
            raise rpc.Invalid("assign_to_me needs an agent's token: administrators hold no tickets")
        try:
            ticket = await desk.open_manually(
                store=store,
                publisher=publisher,
                scale=scale,
                request=request,
                agent_id=caller.id if request.assign_to_me else None,
                actor=f"agent:{caller.id}",
            )
        except desk.Refused as exc:
            raise rpc.Conflict(str(exc)) from exc
        except ValueError as exc:
            raise rpc.Invalid(str(exc)) from exc
        if ticket is None:
            raise rpc.NotFound(f"no stored interaction {request.interaction_id}")
        return views.read(ticket)

    async def list_interactions(params: dict[str, Any], caller: Caller) -> Any:
        await access.require_active(store, caller)
        query = InteractionQuery.model_validate(params)
        items, total, exact, _ = await store.list_interactions(query)
        return InteractionPage(
            items=items, total=total, total_exact=exact, page=query.page, page_size=query.page_size
        )

    async def tag(params: dict[str, Any], caller: Caller) -> Any:
        await access.require_active(store, caller)
        request = Tagging.model_validate(params)
        try:
            interaction_id = UUID(request.id)
        except ValueError as exc:
            raise rpc.NotFound(f"no stored interaction {request.id}") from exc
        tagged = await store.tag_interaction(interaction_id, request.tags.tags)
        if tagged is None:
            raise rpc.NotFound(f"no stored interaction {request.id}")
        return tagged

    async def merge(params: dict[str, Any], caller: Caller) -> Any:
        request = Merging.model_validate(params)
        source = await find(request.ref, caller)
        target = await find(request.merge.into, caller)
        try:
            closed, reopened = await lifecycle.merge(
                store=store,
                publisher=publisher,
                source_id=source.id,
                target_id=target.id,
                actor=f"agent:{caller.id}",
            )
        except MergeRefused as exc:
            raise rpc.Conflict(str(exc)) from exc
        except StaleTicket as exc:
            raise rpc.Conflict("the tickets kept changing while merging; try again") from exc
        return TicketMerged(source=views.read(closed), target=views.read(reopened))

    async def child(params: dict[str, Any], caller: Caller) -> Any:
        request = Child.model_validate(params)
        parent = await find(request.ref, caller)
        ticket = await lifecycle.open_child(
            store=store,
            publisher=publisher,
            parent=parent,
            title=request.child.title,
            level=request.child.level,
            actor=f"agent:{caller.id}",
        )
        return views.read(ticket)

    async def remove(params: dict[str, Any], caller: Caller) -> Any:
        ticket = await find(Ref.model_validate(params).ref, caller)
        try:
            removed = await lifecycle.remove(
                store=store, publisher=publisher, ticket_id=ticket.id, actor=f"agent:{caller.id}"
            )
        except StaleTicket as exc:
            raise rpc.Conflict("the ticket kept changing; try again") from exc
        if removed is None:
            raise rpc.NotFound(f"no ticket {ticket.id}")
        return views.read(removed)

    async def export(params: dict[str, Any], caller: Caller) -> Any:
        request = ExportRequest.model_validate(params)
        ticket = await find(request.ref, caller)
        exported = TicketExport(
            ticket=views.detail(
                ticket, await store.interactions_of(ticket.id), await store.children_of(ticket.id)
            ),
            history=await store.history_of(ticket.id),
            exported_at=datetime.now(UTC),
        )
        return transcript.render(exported) if request.format == "text" else exported

    return {
        TICKETS_MERGE: merge,
        TICKETS_CHILD: child,
        TICKETS_REMOVE: remove,
        TICKETS_EXPORT: export,
        TICKETS_NOTE: note,
        TICKETS_CREATE: create,
        INTERACTIONS_LIST: list_interactions,
        INTERACTIONS_TAG: tag,
    }
