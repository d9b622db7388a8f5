"""The console's kanban (issue 14, part 2): a view's tickets by status, one column per
status, and a card moved to another column by a small CSRF-protected form (htmx swaps the
board in place; without JavaScript the form posts and the page comes back)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.rpc_ticketing import TicketingMethod, TicketUpdate, ViewRef
from contracts.rules import TICKET_STATUSES
from contracts.tickets import TicketPatch
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.calls import Refused, call, reasons
from gateway.console.render import page
from gateway.console.sla_rows import with_time_left
from gateway.deps import Services, ServicesDep

router = APIRouter(include_in_schema=False)

M = TicketingMethod


async def _board(
    request: Request,
    services: Services,
    signed: session.SessionRead,
    view_id: str,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    caller = session.caller_of(signed.agent)
    try:
        board: dict[str, Any] = await call(
            services, TICKETING_RPC, M.VIEWS_BOARD, ViewRef(id=view_id), caller
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
    for column in board["columns"]:
        column["items"] = [with_time_left(item) for item in column["items"]]
    return page(
        request,
        "board.html.j2",
        language=signed.agent.language,
        status_code=status_code,
        agent=signed.agent,
        board=board,
        statuses=TICKET_STATUSES,
        board_url=f"/views/{quote(view_id, safe='')}/board",
        error=error,
        moved=request.query_params.get("moved", ""),
    )


@router.get("/views/{view_id}/board", response_class=HTMLResponse)
async def board(
    view_id: str, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    return await _board(request, services, signed, view_id)


@router.post("/views/{view_id}/board/moves", response_class=HTMLResponse)
async def move_card(
    view_id: str,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """Move a card: the ticket's status changes as through PATCH /v1/tickets/{ref}, with the
    same rules (a refused move shows its reason above the board)."""
    ref = fields.get("ref", "")
    try:
        update = TicketUpdate(ref=ref, patch=TicketPatch(status=fields.get("status") or None))
        if update.patch.status is None:
            raise ValueError("choose the column to move the card to")
        await call(
            services, TICKETING_RPC, M.TICKETS_UPDATE, update, session.caller_of(signed.agent)
        )
    except ValidationError as exc:
        return await _board(
            request, services, signed, view_id, error="; ".join(reasons(exc)), status_code=422
        )
    except ValueError as exc:
        return await _board(request, services, signed, view_id, error=str(exc), status_code=422)
    except Refused as refused:
        return await _board(
            request,
            services,
            signed,
            view_id,
            error=f"{ref}: {refused.error.detail}",
            status_code=refused.error.status,
        )
    location = f"/views/{quote(view_id, safe='')}/board?moved={quote(ref, safe='')}"
    return RedirectResponse(location, status_code=303)
