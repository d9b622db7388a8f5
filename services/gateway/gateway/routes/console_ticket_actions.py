"""The ticket page's remaining actions from the API: merge into an earlier ticket, open a
sub-ticket, and the transcript as a download (``POST /v1/tickets/{ref}/merge``, ``/children``,
``GET /export?format=text``), as the signed-in agent. Forms post, then go back to the ticket
(the merged one, or the new sub-ticket); a refusal comes back as a page with its reason."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.rpc_ticketing import (
    TicketChild,
    TicketExportRequest,
    TicketingMethod,
    TicketMerging,
)
from contracts.tickets import ChildCreate, TicketMerge
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import caller_of
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.deps import ServicesDep

router = APIRouter(include_in_schema=False)
M = TicketingMethod


def _refused(request: Request, signed: Any, refusal: Refused) -> Response:
    return page(
        request,
        "refused.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        status_code=refusal.status,
        detail=refusal.detail,
    )


@router.post("/tickets/{ref}/merge", response_class=HTMLResponse)
async def merge(
    ref: str,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    try:
        params = TicketMerging(ref=ref, merge=TicketMerge(into=fields.get("into", "").strip()))
        await call(services, TICKETING_RPC, M.TICKETS_MERGE, params, caller_of(signed))
    except ValidationError as exc:
        return _refused(request, signed, Refused.invalid(exc))
    except Refused as refusal:
        return _refused(request, signed, refusal)
    return RedirectResponse(f"/tickets/{params.merge.into}?saved=1", status_code=303)


@router.post("/tickets/{ref}/children", response_class=HTMLResponse)
async def open_child(
    ref: str,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    try:
        params = TicketChild(ref=ref, child=ChildCreate(title=fields.get("title", "")))
        child = await call(services, TICKETING_RPC, M.TICKETS_CHILD, params, caller_of(signed))
    except ValidationError as exc:
        return _refused(request, signed, Refused.invalid(exc))
    except Refused as refusal:
        return _refused(request, signed, refusal)
    return RedirectResponse(f"/tickets/{child['protocol']}?saved=1", status_code=303)


@router.get("/tickets/{ref}/transcript")
async def transcript(
    ref: str, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    try:
        text = await call(
            services,
            TICKETING_RPC,
            M.TICKETS_EXPORT,
            TicketExportRequest(ref=ref, format="text"),
            caller_of(signed),
        )
    except Refused as refusal:
        return _refused(request, signed, refusal)
    return PlainTextResponse(
        str(text),
        headers={
            "Content-Disposition": f'attachment; filename="{ref}.txt"',
            "Cache-Control": "no-store",
        },
    )
