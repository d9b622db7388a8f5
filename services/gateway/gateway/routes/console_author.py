"""The ticket page's author panel (F28): who wrote the ticket's first customer message, as
``GET /v1/people/{id}`` shows them to the signed-in agent: their other tickets, groups and
unified identities. Loaded by htmx after the page (``_ticket_author.html.j2``), so the ticket
page itself costs no more for it; a person the agent may not see is simply not shown."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.persons import PersonQuery
from contracts.rpc_ticketing import PersonRef, TicketingMethod, TicketRef
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import caller_of
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.deps import ServicesDep

router = APIRouter(include_in_schema=False)
M = TicketingMethod


def _first_author(ticket: dict[str, Any]) -> tuple[str, str] | None:
    """The channel and author id of the ticket's first customer message."""
    for stored in ticket.get("interactions", []):
        item = stored["interaction"]
        if item.get("direction") == "inbound":
            return str(item["channel"]), str(item["author"]["id"])
    return None


@router.get("/tickets/{ref}/author", response_class=HTMLResponse)
async def author_panel(
    ref: str, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    caller = caller_of(signed)
    person: dict[str, Any] | None = None
    try:
        ticket = await call(services, TICKETING_RPC, M.TICKETS_GET, TicketRef(ref=ref), caller)
        author = _first_author(ticket)
        if author is not None:
            channel, author_id = author
            found = await call(
                services, TICKETING_RPC, M.PEOPLE_LIST, PersonQuery(q=author_id[:200]), caller
            )
            key = f"{channel}:{author_id}"
            match = next(
                (p for p in found["items"] if any(i["key"] == key for i in p["identities"])),
                None,
            )
            if match is not None:
                person = await call(
                    services, TICKETING_RPC, M.PEOPLE_GET, PersonRef(id=match["id"]), caller
                )
    except Refused as refused:
        return Response(status_code=refused.status)
    others = []
    if person is not None:
        tickets = [*person["open_here"], *person["open_elsewhere"], *person["past"]]
        others = [t for t in tickets if t["id"] != ticket["id"]]
    return page(
        request,
        "_author.html.j2",
        language=signed.agent.language,
        person=person,
        others=others,
    )


SHOWS = ("all", "public", "internal")


def _thread(interactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The interactions as the network shows them: each answer under the item it answers
    (``parent_id``), roots in order; an answer whose parent is not in the ticket is a root."""
    ids = {s["interaction"]["external_id"] for s in interactions}
    children: dict[str, list[dict[str, Any]]] = {}
    roots: list[dict[str, Any]] = []
    for stored in interactions:
        parent = stored["interaction"].get("parent_id")
        if parent and parent in ids and parent != stored["interaction"]["external_id"]:
            children.setdefault(parent, []).append(stored)
        else:
            roots.append(stored)

    def node(stored: dict[str, Any], depth: int) -> dict[str, Any]:
        below = children.get(stored["interaction"]["external_id"], []) if depth < 20 else []
        return {"stored": stored, "replies": [node(c, depth + 1) for c in below]}

    return [node(r, 0) for r in roots]


@router.get("/tickets/{ref}/conversation", response_class=HTMLResponse)
async def conversation(
    ref: str,
    request: Request,
    signed: session.Session,
    services: ServicesDep,
    show: str = "all",
) -> Response:
    """The ticket page's tabs: ``public`` the conversation with the customer as a reply tree,
    ``internal`` the agents' notes, ``all`` both. What htmx swaps into the page."""
    if show not in SHOWS:
        return Response("show is one of all, public, internal", status_code=422)
    caller = caller_of(signed)
    try:
        ticket, history = await asyncio.gather(
            call(services, TICKETING_RPC, M.TICKETS_GET, TicketRef(ref=ref), caller),
            call(services, TICKETING_RPC, M.TICKETS_HISTORY, TicketRef(ref=ref), caller),
        )
    except Refused as refused:
        return Response(status_code=refused.status)
    return page(
        request,
        "_conversation.html.j2",
        language=signed.agent.language,
        tree=_thread(ticket["interactions"]) if show != "internal" else [],
        notes=[e for e in history if e["action"] == "note"] if show != "public" else [],
        show=show,
    )
