"""Fake Reclame Aqui (HugMe partner API). CHANNELS.md marks it unconfirmed: no official page,
the shapes come from public client code. A client-credentials token (HTTP Basic), then
complaints by ``last_modification_date[gte]`` with ``page[size]`` (≤ 50) and
``page[number]``; the answer's ``meta.total_pages`` tells how many pages there are (our
assumption, unconfirmed). ``/_fake/reclameaqui/tickets`` adds or updates a complaint;
``PATCH /_fake/reclameaqui/tickets/{id}`` changes its ``ra_status`` as the network does when
the company answers or the customer evaluates or closes it (its modification date moves)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from devtools.fakenets.state import FakeState

NETWORK = "reclameaqui"


def _client(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        return base64.b64decode(header[6:]).decode().split(":", 1)[0]
    if header.startswith("Bearer tok-"):
        return header[len("Bearer tok-") :]
    raise HTTPException(401, "no credentials")


def router(state: FakeState) -> APIRouter:
    api = APIRouter()
    tickets: dict[str, dict[str, Any]] = state.data.setdefault(NETWORK, {})

    @api.post("/_fake/reclameaqui/tickets")
    async def add(request: Request) -> dict[str, Any]:
        """{client_id, ticket: {id, complaint_title, complaint_content, customer, ra_status,
        interactions[], creation_date, last_modification_date}}: added or replaced."""
        body = await request.json()
        tickets[str(body["ticket"]["id"])] = {"client": body["client_id"], **body["ticket"]}
        return {"tickets": len(tickets)}

    @api.patch("/_fake/reclameaqui/tickets/{ticket_id}")
    async def change_status(ticket_id: str, request: Request) -> dict[str, Any]:
        """{ra_status (a name, or an object with one), last_modification_date? (now)}."""
        body = await request.json()
        ticket = tickets.get(ticket_id)
        if ticket is None:
            raise HTTPException(404, f"no complaint {ticket_id}")
        ticket["ra_status"] = body["ra_status"]
        ticket["last_modification_date"] = body.get("last_modification_date") or (
            datetime.now(UTC).isoformat().replace("+00:00", "Z")
        )
        return {"id": ticket_id, "ra_status": ticket["ra_status"]}

    @api.post("/api/auth/oauth/token", response_model=None)
    async def token(request: Request) -> Any:
        client = _client(request)
        async with state.serving(NETWORK, client, request) as fault:
            if fault is not None:
                return fault
            return {"access_token": f"tok-{client}", "token_type": "bearer", "expires_in": 3600}

    @api.get("/api/ticket/v1/tickets", response_model=None)
    async def listing(request: Request) -> Any:
        client = _client(request)
        async with state.serving(NETWORK, client, request) as fault:
            if fault is not None:
                return fault
            q = request.query_params
            since = q.get("last_modification_date[gte]", "")
            mine = sorted(
                (
                    {k: v for k, v in t.items() if k != "client"}
                    for t in tickets.values()
                    if t["client"] == client and t["last_modification_date"] >= since
                ),
                key=lambda t: (t["last_modification_date"], str(t["id"])),
            )
            size = min(int(q.get("page[size]", 50)), 50)
            number = int(q.get("page[number]", 1))
            pages = max(1, -(-len(mine) // size))
            return {
                "data": mine[(number - 1) * size : number * size],
                "meta": {"page": number, "page_size": size, "total_pages": pages},
            }

    return api
