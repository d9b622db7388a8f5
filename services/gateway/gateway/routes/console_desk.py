"""The console's desk: the live stream and the ticket page (conversation, history and the
API's actions); the inbox is routes/console_inbox.py. Each page
calls the same ticketing methods as the API, as the signed-in agent, so the same access
rules apply; forms post, then redirect back (they work without JavaScript)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.console_pages import TicketPageQuery
from contracts.credentials import SessionKey, SessionRead
from contracts.people import AgentRead
from contracts.rpc_ticketing import (
    NoParams,
    TicketAssignment,
    TicketingMethod,
    TicketNote,
    TicketRef,
    TicketUpdate,
)
from contracts.rules import TICKET_STATUSES
from contracts.tickets import NoteCreate, TicketAssign, TicketPatch
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.console.reply_accounts import reply_accounts
from gateway.deps import Services, ServicesDep, services_of
from gateway.direct_route import direct_get
from gateway.live import SUBSCRIBED_EVENT
from gateway.routes.events import stream

router = APIRouter(include_in_schema=False)

M = TicketingMethod


@router.get("/live")
async def live(request: Request, signed: session.Session, services: ServicesDep) -> Response:
    """The API's live stream for the session's agent; it ends once the session does."""
    secret = request.cookies.get(session.SESSION_COOKIE, "")

    async def still_open() -> bool:
        reply = await services.reply(
            TICKETING_RPC, M.SESSIONS_GET, SessionKey(session=secret), session.GATEWAY
        )
        return reply.error is None

    caller = session.caller_of(signed.agent)
    levels = frozenset(signed.agent.levels)
    return stream(request, caller, levels, services, still_open, greeting=SUBSCRIBED_EVENT)


async def _ticket_page(
    request: Request,
    services: Services,
    signed: session.Session,
    ref: str,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    """The page read part by part (after a refused action, or when the one-call read was
    refused: the parts say which refusal to show)."""
    caller = session.caller_of(signed.agent)
    try:
        ticket, history, agents, vocabulary = await asyncio.gather(
            call(services, TICKETING_RPC, M.TICKETS_GET, TicketRef(ref=ref), caller),
            call(services, TICKETING_RPC, M.TICKETS_HISTORY, TicketRef(ref=ref), caller),
            call(services, TICKETING_RPC, M.AGENTS_LIST, NoParams(), caller),
            call(services, TICKETING_RPC, M.DESK_VOCABULARY, NoParams(), caller),
        )
    except Refused as refused:
        return page(
            request,
            "refused.html.j2",
            language=signed.agent.language,
            agent=signed.agent,
            status_code=refused.error.status,
            detail=refused.error.detail,
        )
    shown = {
        "ticket": ticket,
        "history": history,
        "agents": agents,
        "priorities": vocabulary["priorities"],
        "levels": vocabulary["levels"],
        "reply_accounts": await reply_accounts(services, caller, ticket),
    }
    return _render_ticket(request, signed.agent, shown, error=error, status_code=status_code)


def _render_ticket(
    request: Request,
    agent: AgentRead,
    shown: dict[str, Any],
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    """``shown``: a ``console.ticket_page`` answer's parts, as JSON."""
    return page(
        request,
        "ticket.html.j2",
        language=agent.language,
        status_code=status_code,
        agent=agent,
        ticket=shown["ticket"],
        history=shown["history"],
        agents=[a for a in shown["agents"] if a["active"]],
        vocabulary={"priorities": shown["priorities"], "levels": shown["levels"]},
        statuses=TICKET_STATUSES,
        error=error,
        saved=request.query_params.get("saved") == "1",
        reply_accounts=shown["reply_accounts"],
    )


@direct_get(router, "/tickets/{ref}", response_class=HTMLResponse)
async def ticket_page(ref: str, request: Request) -> Response:
    """One call to ticketing for the whole page, the session's check included
    (``console.ticket_page``: bench/console.py). Any refusal (no session, an agent switched
    off, a ticket not theirs) goes the long way, which tells them apart as before. A direct
    route (gateway.direct_route): FastAPI solves no parameter for it."""
    services = services_of(request)
    secret = request.cookies.get(session.SESSION_COOKIE, "")
    if len(secret) >= 16:
        query = TicketPageQuery(session=secret, ref=ref)
        reply = await services.reply(TICKETING_RPC, M.CONSOLE_TICKET_PAGE, query, session.GATEWAY)
        if reply.error is None:
            agent = SessionRead.model_validate(reply.result["session"]).agent
            return _render_ticket(request, agent, reply.result)
    signed = await session.signed_in(request, services)
    return await _ticket_page(request, services, signed, ref)


async def _act(
    request: Request,
    services: Services,
    signed: session.Session,
    ref: str,
    method: M,
    build: Any,
) -> Response:
    """Run one action; back to the ticket page, with the refusal's reason if refused."""
    caller = session.caller_of(signed.agent)
    try:
        params = build()
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]) for e in exc.errors(include_url=False))
        return await _ticket_page(request, services, signed, ref, error=reason, status_code=422)
    try:
        await call(services, TICKETING_RPC, method, params, caller)
    except Refused as refused:
        return await _ticket_page(
            request,
            services,
            signed,
            ref,
            error=refused.error.detail,
            status_code=refused.error.status,
        )
    return RedirectResponse(f"/tickets/{ref}?saved=1", status_code=303)


Ref = Annotated[str, "a ticket's id or protocol number"]


@router.post("/tickets/{ref}/notes", response_class=HTMLResponse)
async def add_note(
    ref: Ref,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    return await _act(
        request,
        services,
        signed,
        ref,
        M.TICKETS_NOTE,
        lambda: TicketNote(ref=ref, note=NoteCreate(text=fields.get("text", ""))),
    )


def _patch(fields: dict[str, str]) -> TicketPatch:
    """The fields the form changed: an empty choice leaves the field as it is."""
    patch: dict[str, Any] = {
        name: fields[name] for name in ("status", "priority", "level") if fields.get(name)
    }
    if "tags" in fields:
        patch["tags"] = [tag.strip() for tag in fields["tags"].split(",") if tag.strip()]
    return TicketPatch(**patch)


@router.post("/tickets/{ref}/changes", response_class=HTMLResponse)
async def change_ticket(
    ref: Ref,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    return await _act(
        request,
        services,
        signed,
        ref,
        M.TICKETS_UPDATE,
        lambda: TicketUpdate(ref=ref, patch=_patch(fields)),
    )


def _assign(fields: dict[str, str]) -> TicketAssign:
    choice = fields.get("assignee", "")
    if choice == "most_available":
        return TicketAssign(strategy="most_available")
    return TicketAssign(agent=choice or None)


@router.post("/tickets/{ref}/assignment", response_class=HTMLResponse)
async def assign_ticket(
    ref: Ref,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    return await _act(
        request,
        services,
        signed,
        ref,
        M.TICKETS_ASSIGN,
        lambda: TicketAssignment(ref=ref, assign=_assign(fields)),
    )
