"""The inbox sidebar's view counts, fetched by htmx once the inbox page has loaded.

The page itself lists the views by name only: counting every view's tickets on every inbox
page made the page cost about twice its API call (bench/console.py, issue 14), and the rows
are what an agent reads first. This answers the same sidebar with the counts, as
``GET /v1/views`` counts them for the signed-in agent."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from contracts.rpc_ticketing import NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from contracts.views import ViewRead
from gateway.console import session
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.deps import ServicesDep

router = APIRouter(include_in_schema=False)


@router.get("/inbox/counts", response_class=HTMLResponse)
async def view_counts(request: Request, signed: session.Session, services: ServicesDep) -> Response:
    """The views' sidebar with each view's count; ``?view=`` marks the one being shown."""
    caller = session.caller_of(signed.agent)
    try:
        found = await call(services, TICKETING_RPC, TicketingMethod.VIEWS_LIST, NoParams(), caller)
    except Refused as refused:
        raise HTTPException(refused.error.status, refused.error.detail) from refused
    views = [ViewRead.model_validate(v) for v in found]
    shown = request.query_params.get("view")
    return page(
        request,
        "_views_nav.html.j2",
        language=signed.agent.language,
        views=views,
        current=next((v for v in views if v.id == shown), None),
    )
