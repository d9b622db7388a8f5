"""An agent's own page on the administrators' screens: which levels they work and which teams
they belong to, added or removed with one box each. The agent is read and replaced whole with
only those two lists changed, through the same ticketing methods as ``GET``/``PUT
/v1/agents/{agent_id}``, as the signed-in administrator agent (ticketing refuses a level or
team that does not exist). Teams are created on the agents page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.credentials import SessionRead
from contracts.people import AgentCreate, AgentRead
from contracts.rpc_ticketing import AgentReplace, DirectoryKey, NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import caller_of, checkbox, not_admin, read_at, shown
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.deps import Services, ServicesDep

router = APIRouter(include_in_schema=False)
M = TicketingMethod
AgentId = Annotated[str, Path(min_length=1, max_length=64)]


async def _agent_page(
    request: Request,
    services: Services,
    signed: SessionRead,
    agent_id: str,
    refusal: Refused | None = None,
) -> Response:
    caller = caller_of(signed)
    try:
        person = await call(
            services, TICKETING_RPC, M.AGENTS_GET, DirectoryKey(key=agent_id), caller
        )
    except Refused as missing:
        return page(
            request,
            "refused.html.j2",
            language=signed.agent.language,
            agent=signed.agent,
            status_code=missing.status,
            detail=missing.detail,
        )
    levels = await call(services, TICKETING_RPC, M.LEVELS_LIST, NoParams(), caller)
    teams = await call(services, TICKETING_RPC, M.TEAMS_LIST, NoParams(), caller)
    return page(
        request,
        "admin_agent.html.j2",
        language=signed.agent.language,
        status_code=refusal.status if refusal else 200,
        agent=signed.agent,
        person=person,
        levels=sorted(level["name"] for level in levels),
        teams=sorted(team["name"] for team in teams),
        error=refusal.detail if refusal else "",
        saved=request.query_params.get("saved") == "1",
    )


@router.get("/admin/agents/{agent_id}", response_class=HTMLResponse)
async def agent_page(
    agent_id: AgentId, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    return not_admin(request, signed) or await _agent_page(request, services, signed, agent_id)


def _ticked(fields: dict[str, str], kind: str) -> list[str]:
    """The names whose ``<kind>:<name>`` box is ticked, in the form's order."""
    prefix = f"{kind}:"
    return [
        name.removeprefix(prefix)
        for name in fields
        if name.startswith(prefix) and checkbox(fields, name)
    ]


@router.post("/admin/agents/{agent_id}/memberships", response_class=HTMLResponse)
async def edit_memberships(
    agent_id: AgentId,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """The agent's levels and teams as the boxes say; everything else about them stays."""
    if refused := not_admin(request, signed):
        return refused
    caller = caller_of(signed)
    try:
        found = AgentRead.model_validate(
            await call(services, TICKETING_RPC, M.AGENTS_GET, DirectoryKey(key=agent_id), caller)
        )
        kept: dict[str, Any] = found.model_dump(mode="json", exclude={"revision"})
        body = AgentCreate.model_validate(
            {**kept, "levels": _ticked(fields, "level"), "teams": _ticked(fields, "team")}
        )
        expected = read_at(fields, found.model_dump())
        replace = AgentReplace(key=agent_id, body=body, expected_revision=expected)
        await call(services, TICKETING_RPC, M.AGENTS_REPLACE, replace, caller)
    except ValidationError as exc:
        return await _agent_page(request, services, signed, agent_id, Refused.invalid(exc))
    except Refused as refusal:
        return await _agent_page(request, services, signed, agent_id, shown(refusal, signed))
    return RedirectResponse(f"/admin/agents/{agent_id}?saved=1", status_code=303)
