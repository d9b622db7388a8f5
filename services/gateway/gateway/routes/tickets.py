from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, status
from fastapi.responses import PlainTextResponse, Response

from contracts.replies import ReplyCreate
from contracts.rpc_ticketing import (
    TicketAssignment,
    TicketChild,
    TicketExportRequest,
    TicketingMethod,
    TicketMerging,
    TicketNote,
    TicketRef,
    TicketReplying,
    TicketUpdate,
)
from contracts.tickets import (
    BulkReport,
    ChildCreate,
    HistoryEntry,
    NoteCreate,
    StoredInteraction,
    TicketAssign,
    TicketBulk,
    TicketCreate,
    TicketDetail,
    TicketExport,
    TicketMerge,
    TicketMerged,
    TicketPage,
    TicketPatch,
    TicketQuery,
    TicketRead,
)
from contracts.topology import TICKETING_RPC
from gateway import attachments, query_params
from gateway.deps import (
    BEARER_DOCUMENTED,
    CurrentCaller,
    ServicesDep,
    authenticated,
    services_of,
)
from gateway.direct_route import direct_get
from gateway.errors import unprocessable

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

NOT_FOUND = {404: {"description": "No such ticket"}}


# The two busiest reads take no FastAPI dependency: they authenticate and find the services
# themselves (gateway.deps.authenticated), documented as the dependencies would be, and FastAPI
# calls them without solving any parameter (gateway.direct_route).


@direct_get(
    router,
    "",
    response_model=TicketPage,
    openapi_extra={**query_params.documented(TicketQuery), **BEARER_DOCUMENTED},
)
async def list_tickets(request: Request) -> Response:
    """Tickets, most recently updated first. Repeat a filter to mean "any of", e.g.
    `?status=new&status=open`."""
    caller = await authenticated(request)
    # The query is a TicketQuery, read by gateway.query_params (documented as FastAPI would).
    query = query_params.parse(TicketQuery, request.query_params)
    return await services_of(request).relay(
        TICKETING_RPC, TicketingMethod.TICKETS_LIST, query, caller
    )


@router.post("/bulk", response_model=BulkReport)
async def bulk_change(request: TicketBulk, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Apply a status, priority, assignee or tags to a list of tickets, or to every ticket a
    filter matches (up to 1,000). Each ticket is changed on its own: the report says, per
    ticket, whether it changed and if not why, with the status its change alone would get."""
    return await services.call(TICKETING_RPC, TicketingMethod.TICKETS_BULK, request, caller)


@direct_get(
    router,
    "/{ref}",
    response_model=TicketDetail,
    responses=NOT_FOUND,
    openapi_extra=BEARER_DOCUMENTED,
)
async def get_ticket(ref: str, request: Request) -> Response:
    """One ticket by id or protocol number (e.g. `2026-000123`), with its interactions."""
    caller = await authenticated(request)
    return await services_of(request).relay(
        TICKETING_RPC, TicketingMethod.TICKETS_GET, TicketRef(ref=ref), caller
    )


@router.patch(
    "/{ref}",
    response_model=TicketRead,
    responses={**NOT_FOUND, 409: {"description": "Status transition not allowed"}},
)
async def update_ticket(
    ref: str, patch: TicketPatch, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Change status, priority, level, assignee, team or tags. Every change is recorded in
    the ticket's history and announced as `ticket.changed.v1`. The assignee must be an
    agent (422 otherwise) and is told by e-mail; moving the ticket to another level without
    naming an assignee gives it to that level's most available agent; the assignee is told
    when the priority rises to the top of the scale."""
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.TICKETS_UPDATE,
        TicketUpdate(ref=ref, patch=patch),
        caller,
    )


@router.get("/{ref}/history", response_model=list[HistoryEntry], responses=NOT_FOUND)
async def ticket_history(ref: str, caller: CurrentCaller, services: ServicesDep) -> Any:
    """The ticket's append-only audit log, oldest first (by id or protocol number)."""
    return await services.call(
        TICKETING_RPC, TicketingMethod.TICKETS_HISTORY, TicketRef(ref=ref), caller
    )


@router.post(
    "/{ref}/assign",
    response_model=TicketRead,
    responses={
        **NOT_FOUND,
        409: {"description": "The level or team has no active agent"},
        422: unprocessable("No such agent, or neither an agent nor a strategy"),
    },
)
async def assign_ticket(
    ref: str, assign: TicketAssign, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Assign to a named agent, or to one of a level's or team's active agents: `random`, or
    `most_available` (fewest tickets still needing work, ties drawn at random). Without a
    level or team the ticket's own level is used. The agent is told by e-mail."""
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.TICKETS_ASSIGN,
        TicketAssignment(ref=ref, assign=assign),
        caller,
    )


@router.post(
    "",
    response_model=TicketRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "No such stored interaction"},
        409: {"description": "The interaction or its conversation already has a ticket"},
    },
)
async def create_ticket(request: TicketCreate, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Open a ticket by hand from a stored interaction (see `GET /v1/interactions`); the
    conversation's other interactions without a ticket join it. `assign_to_me` makes it the
    calling agent's in the same call."""
    return await services.call(TICKETING_RPC, TicketingMethod.TICKETS_CREATE, request, caller)


@router.post(
    "/{ref}/replies",
    response_model=StoredInteraction,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **NOT_FOUND,
        403: {"description": "The ticket is neither yours nor in one of your levels"},
        413: {"description": "An attachment, or all of them together, is too large"},
        415: {"description": "An attachment is not a document or an image"},
        422: unprocessable(
            "What the network cannot do, with the reason: a direct message outside the "
            "24-hour window, a second private reply to one comment, a removed thread, an "
            "account that cannot send on this conversation or that the level does not serve"
        ),
    },
)
async def reply(ref: str, reply: ReplyCreate, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Answer the customer on the ticket's channel. The reply is stored on the ticket as an
    outbound interaction whose `delivery.state` is `queued`; the ingestor sends it once with
    the account's credentials and it becomes `sent` (with the network's id), `failed` (with
    the reason; the assignee is mailed) or `uncertain` (never re-sent by itself). Public
    replies answer comments in public; `private` sends a private reply to a comment; direct
    messages and e-mails are private. `status_after` is applied once it is sent."""
    reply = reply.model_copy(update={"attachments": attachments.cleaned(reply.attachments)})
    return await services.call(
        TICKETING_RPC, TicketingMethod.TICKETS_REPLY, TicketReplying(ref=ref, reply=reply), caller
    )


@router.post(
    "/{ref}/notes",
    response_model=HistoryEntry,
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
async def add_note(ref: str, note: NoteCreate, caller: CurrentCaller, services: ServicesDep) -> Any:
    """An internal note for agents, kept in the ticket's history; never sent to a customer."""
    return await services.call(
        TICKETING_RPC, TicketingMethod.TICKETS_NOTE, TicketNote(ref=ref, note=note), caller
    )


@router.post(
    "/{ref}/merge",
    response_model=TicketMerged,
    responses={**NOT_FOUND, 409: {"description": "The merge is not allowed, and why"}},
)
async def merge_ticket(
    ref: str, merge: TicketMerge, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Merge this ticket into an earlier, still active ticket of the same author: the target
    is reopened with every interaction of both in time order; this one is closed, points to
    the target (`merged_into`), and its conversation's new messages go to the target."""
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.TICKETS_MERGE,
        TicketMerging(ref=ref, merge=merge),
        caller,
    )


@router.post(
    "/{ref}/children",
    response_model=TicketRead,
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
async def open_child(
    ref: str, child: ChildCreate, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Open a sub-ticket linked to this one (for work with a third party); the parent's
    detail lists its children."""
    return await services.call(
        TICKETING_RPC, TicketingMethod.TICKETS_CHILD, TicketChild(ref=ref, child=child), caller
    )


@router.delete("/{ref}", response_model=TicketRead, responses=NOT_FOUND)
async def remove_ticket(ref: str, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Remove the ticket from the desk: it is closed and no longer listed, while it, its
    interactions and its history stay readable by id for audit."""
    return await services.call(
        TICKETING_RPC, TicketingMethod.TICKETS_REMOVE, TicketRef(ref=ref), caller
    )


@router.get(
    "/{ref}/export",
    response_model=TicketExport,
    responses={**NOT_FOUND, 200: {"content": {"text/plain": {}}}},
)
async def export_ticket(
    ref: str,
    caller: CurrentCaller,
    services: ServicesDep,
    format: Literal["json", "text"] = "json",
) -> Any:
    """The ticket with its interactions, sub-tickets and whole history as one JSON document,
    or (`?format=text`) as a transcript a person can read."""
    result = await services.call(
        TICKETING_RPC,
        TicketingMethod.TICKETS_EXPORT,
        TicketExportRequest(ref=ref, format=format),
        caller,
    )
    return PlainTextResponse(result) if format == "text" else result
