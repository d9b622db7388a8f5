"""``gateway.query_params`` reads a ticket list's query as FastAPI's ``Query()`` model would:
the same model for the same query string, and the same 422 for a refused one."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query, Request

from contracts.tickets import TicketQuery
from gateway import query_params
from gateway.app import create_app

QUERIES = [
    "",
    "page_size=50",
    "status=new&status=open&priority=high",
    "order=asc&order=desc&sort=priority",
    "text=geladeira&overdue=true",
    "status=new&unknown=1",
    "opened_from=2026-01-01T00:00:00Z&page=3",
    "page_size=5000",
    "page_size=many",
    "overdue=perhaps&status=new",
    "opened_from=yesterday",
]


def both_ways() -> FastAPI:
    app = FastAPI()

    @app.get("/fastapi")
    async def by_fastapi(query: Annotated[TicketQuery, Query()]) -> Any:
        return query.model_dump(mode="json")

    @app.get("/ours")
    async def by_us(request: Request) -> Any:
        return query_params.parse(TicketQuery, request.query_params).model_dump(mode="json")

    return app


@pytest.mark.parametrize("query", QUERIES)
async def test_the_same_answer_as_fastapis_query_model(query: str) -> None:
    transport = httpx.ASGITransport(app=both_ways())
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        theirs = await client.get(f"/fastapi?{query}")
        ours = await client.get(f"/ours?{query}")
    assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())


def test_the_ticket_list_is_documented_as_fastapi_documents_a_query_model() -> None:
    app = FastAPI()

    @app.get("/")
    async def declared(query: Annotated[TicketQuery, Query()]) -> None:
        del query

    theirs = app.openapi()["paths"]["/"]["get"]
    ours = create_app().openapi()["paths"]["/v1/tickets"]["get"]
    assert ours["parameters"] == theirs["parameters"]
    assert ours["responses"]["422"] == theirs["responses"]["422"]
    assert "TicketPage" in ours["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
