"""The console's inbox (issue 14, part 2): the built-in and saved views with their counts,
every F33 filter of the ticket list, the order by time left with each row's SLA band, keyset
paging, rows kept live by the ticket events, saving the filters as a view, and bulk changes
of the selected rows with each ticket's outcome. Each page calls the same ticketing methods
as the API, as the signed-in agent, so the same access rules apply."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.console_pages import InboxPageQuery
from contracts.interaction import Channel, Direction, Kind, Visibility
from contracts.people import AgentRead
from contracts.rpc import Caller
from contracts.rpc_ticketing import NoParams, TicketingMethod, ViewRef
from contracts.rules import TICKET_STATUSES
from contracts.tickets import BulkChange, TicketBulk, TicketFilters, TicketQuery
from contracts.topology import TICKETING_RPC
from contracts.views import ViewCreate, ViewRead
from gateway.console import i18n, inbox_parts, session
from gateway.console.calls import Refused, call, reasons
from gateway.console.inbox_query import (
    PAGE_SIZE,
    as_params,
    chosen_filters,
    form_values,
    ticket_query,
)
from gateway.console.inbox_read import inbox_read
from gateway.console.inbox_rows import table_rows
from gateway.console.render import page
from gateway.deps import Services, ServicesDep, services_of
from gateway.direct_route import direct_get
from gateway.errors import ServiceRefusal

router = APIRouter(include_in_schema=False)

M = TicketingMethod
SORTS = ("updated", "opened", "priority", "sla_due")
CHOICES = {
    "channel": [c.value for c in Channel],
    "kind": [k.value for k in Kind],
    "scope": [v.value for v in Visibility],
    "direction": [d.value for d in Direction],
    "sla_band": ["green", "yellow", "red", "overdue"],
}
"""The filter form's fixed choices."""


async def _ticketing(services: Services, method: M, params: Any, caller: Caller) -> Any:
    return await call(services, TICKETING_RPC, method, params, caller)


async def _listing(
    request: Request, services: Services, caller: Caller, view: ViewRead | None
) -> dict[str, Any]:
    """The page of tickets the inbox shows: a view's (``?view=``) or the form's filters'.
    A view is listed through the ticket list with its filters and order (what
    GET /v1/views/{id}/tickets does) because the list also carries each ticket's SLA clocks."""
    params = request.query_params
    if view is not None:
        query = TicketQuery(
            **view.filters.model_dump(),
            sort=view.sort,
            order=view.order,
            page_size=PAGE_SIZE,
            cursor=params.get("cursor") or None,
        )
    else:
        query = ticket_query(params)
    return dict(await _ticketing(services, M.TICKETS_LIST, query, caller))


async def _view_listing(
    request: Request, services: Services, caller: Caller, view_id: str | None
) -> dict[str, Any]:
    view = await view_of(services, view_id, caller) if view_id else None
    return await _listing(request, services, caller, view)


def _next_url(request: Request, cursor: str | None) -> str | None:
    if not cursor:
        return None
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    return "/?" + urlencode([*kept, ("cursor", cursor)])


async def _inbox(
    request: Request, signed: session.SessionRead, services: Services, **shown: Any
) -> Response:
    caller = session.caller_of(signed.agent)
    params = request.query_params
    view_id = params.get("view")
    try:
        # The page's reads side by side, not one after the other: it waits for the slowest
        # (bench/console.py compares the page with its API call).
        found, listing, vocabulary, agents = await asyncio.gather(
            _ticketing(services, M.VIEWS_LIST, NoParams(), caller),
            _view_listing(request, services, caller, view_id),
            _ticketing(services, M.DESK_VOCABULARY, NoParams(), caller),
            _ticketing(services, M.AGENTS_LIST, NoParams(), caller),
        )
    except ValidationError as exc:
        return _refused(request, signed, "; ".join(reasons(exc)), 422)
    except Refused as refused:
        if view_id and refused.error.status == 404:
            return _refused(request, signed, "no such view, or not one you see", 404)
        return _refused(request, signed, refused.error.detail, refused.error.status)
    views = [ViewRead.model_validate(v) for v in found]
    return _render_inbox(request, signed.agent, views, listing, vocabulary, agents, **shown)


def _render_inbox(
    request: Request,
    agent: AgentRead,
    views: list[ViewRead],
    listing: dict[str, Any],
    vocabulary: dict[str, Any],
    agents: list[dict[str, Any]],
    *,
    query: TicketQuery | None = None,
    **shown: Any,
) -> Response:
    """The page from its reads (the views, the listing, the priorities and levels, the
    agents, as JSON but the views); ``query``: the form's query when it was already read
    from the request."""
    params = request.query_params
    view_id = params.get("view")
    current = next((v for v in views if v.id == view_id), None) if view_id else None
    if current is not None:
        filters, sort, order = current.filters, current.sort, current.order
    else:
        query = query or ticket_query(params)
        filters, sort, order = (
            TicketFilters(**query.model_dump(include=set(TicketFilters.model_fields))),
            query.sort,
            query.order,
        )
    language = agent.language
    agents_shown = [a for a in agents if a["active"]]
    values = form_values(filters)
    return page(
        request,
        "inbox.html.j2",
        language=language,
        status_code=shown.pop("status_code", 200),
        agent=agent,
        current=current,
        listing=listing,
        rows=table_rows(listing["items"], i18n.words(language)),
        views_nav=inbox_parts.views_nav(language, views, current),
        filter_form=inbox_parts.filter_form(
            language,
            values=values,
            vocabulary=vocabulary,
            agents=agents_shown,
            agent_id=agent.id,
            statuses=TICKET_STATUSES,
            choices=CHOICES,
            sorts=SORTS,
            sort=sort,
            order=order,
        ),
        bulk_fields=inbox_parts.bulk_fields(
            language, vocabulary=vocabulary, agents=agents_shown, statuses=TICKET_STATUSES
        ),
        sort=sort,
        order=order,
        # the form stays folded until a filter is chosen: the rows come first
        filtering=current is None and bool(chosen_filters(params)),
        request_path="/" + (f"?{request.url.query}" if request.url.query else ""),
        saved_filters=json.dumps(filters.model_dump(mode="json", exclude_defaults=True)),
        refine_url="/?" + urlencode(as_params(filters, sort, order)),
        rows_url="/inbox/rows" + (f"?{request.url.query}" if request.url.query else ""),
        next_url=_next_url(request, listing.get("next_cursor")),
        error=shown.pop("error", ""),
        **shown,
    )


def _refused(request: Request, signed: session.SessionRead, detail: str, status: int) -> Response:
    return page(
        request,
        "refused.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        status_code=status,
        detail=detail,
    )


@direct_get(router, "/", response_class=HTMLResponse)
async def inbox(request: Request) -> Response:
    """One call to ticketing for the whole page, the session's check included
    (``console.inbox_page``: bench/console.py). Any refusal (no session, a switched-off
    agent, a view not theirs, a filter the desk does not know) goes the long way, which
    tells them apart as before. A direct route (gateway.direct_route): FastAPI solves no
    parameter for the desk's busiest page."""
    services = services_of(request)
    asked = _inbox_query(request)
    if asked is not None:
        try:
            answer = await services.relay(
                TICKETING_RPC, M.CONSOLE_INBOX_PAGE, asked, session.GATEWAY
            )
        except ServiceRefusal:
            pass
        else:
            read = inbox_read(bytes(answer.body))
            vocabulary = {"priorities": read["priorities"], "levels": read["levels"]}
            return _render_inbox(
                request,
                read["session"].agent,
                read["views"],
                cast(dict[str, Any], read["listing"]),
                vocabulary,
                read["agents"],
                query=None if asked.view_id else asked.query,
            )
    signed = await session.signed_in(request, services)
    return await _inbox(request, signed, services)


def _inbox_query(request: Request) -> InboxPageQuery | None:
    """The one call's question, when the request has a session cookie to ask it with."""
    secret = request.cookies.get(session.SESSION_COOKIE, "")
    if len(secret) < 16:
        return None
    params = request.query_params
    view_id = params.get("view") or None
    try:
        if view_id:
            query = TicketQuery(page_size=PAGE_SIZE, cursor=params.get("cursor") or None)
        else:
            query = ticket_query(params)
        asked = InboxPageQuery(session=secret, view_id=view_id, query=query)
    except ValidationError:
        return None
    return asked


@router.get("/inbox/rows", response_class=HTMLResponse)
async def inbox_rows(request: Request, signed: session.Session, services: ServicesDep) -> Response:
    """The inbox's rows alone: what htmx swaps in when a ticket event arrives."""
    caller = session.caller_of(signed.agent)
    try:
        listing = await _view_listing(request, services, caller, request.query_params.get("view"))
    except ValidationError as exc:
        raise HTTPException(422, "; ".join(reasons(exc))) from exc
    except Refused as refused:
        raise HTTPException(refused.error.status, refused.error.detail) from refused
    language = signed.agent.language
    rows = table_rows(listing["items"], i18n.words(language))
    return page(request, "_rows.html.j2", language=language, rows=rows)


@router.post("/views", response_class=HTMLResponse)
async def save_view(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    """Save the inbox's current filters and order as a view: the agent's own, or shared with
    some of their levels (the service refuses other levels)."""
    caller = session.caller_of(signed.agent)
    shared = parse_qs((await request.body()).decode(errors="replace")).get("shared_with", [])
    try:
        view = ViewCreate(
            name=fields.get("name", ""),
            filters=TicketFilters(**json.loads(fields.get("filters") or "{}")),
            sort=fields.get("sort") or "updated",  # type: ignore[arg-type]
            order=fields.get("order") or "desc",  # type: ignore[arg-type]
            shared_with=[level for level in shared if level],
        )
        made = await _ticketing(services, M.VIEWS_CREATE, view, caller)
    except (ValidationError, json.JSONDecodeError) as exc:
        detail = "; ".join(reasons(exc)) if isinstance(exc, ValidationError) else str(exc)
        return _refused(request, signed, detail, 422)
    except Refused as refused:
        return _refused(request, signed, refused.error.detail, refused.error.status)
    return RedirectResponse("/?" + urlencode({"view": made["id"]}), status_code=303)


def _bulk_change(fields: dict[str, str]) -> BulkChange:
    tags = [tag.strip() for tag in fields.get("add_tags", "").split(",") if tag.strip()]
    return BulkChange(
        status=fields.get("status") or None,
        priority=fields.get("priority") or None,
        assignee=fields.get("assignee") or None,
        level=fields.get("level") or None,
        add_tags=tags,
    )


@router.post("/inbox/bulk", response_class=HTMLResponse)
async def bulk(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    """One change to the selected rows through the API's bulk method; the page lists each
    ticket's outcome (a refusal for one ticket does not stop the others)."""
    caller = session.caller_of(signed.agent)
    refs = parse_qs((await request.body()).decode(errors="replace")).get("ref", [])
    try:
        change = TicketBulk(ids=[ref for ref in refs if ref] or None, change=_bulk_change(fields))
    except ValidationError as exc:
        return _refused(request, signed, "; ".join(reasons(exc)), 422)
    try:
        report = await _ticketing(services, M.TICKETS_BULK, change, caller)
    except Refused as refused:
        return _refused(request, signed, refused.error.detail, refused.error.status)
    return page(
        request,
        "bulk_report.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        report=report,
        back=session.safe_next(fields.get("back")),
    )


async def view_of(services: Services, view_id: str, caller: Caller) -> ViewRead:
    return ViewRead.model_validate(
        await _ticketing(services, M.VIEWS_GET, ViewRef(id=view_id), caller)
    )
