"""An agent's own page on the administrators' screens: which levels they work and which teams
they belong to, added or removed with one box each. The agent is read and replaced whole with
only those two lists changed, through the same ticketing methods as ``GET``/``PUT
/v1/agents/{agent_id}``, as the signed-in administrator agent (ticketing refuses a level or
team that does not exist). Teams are created on the agents page."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from contracts.rpc_ticketing import DirectoryKey, NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import (
    AGENTS,
    Admin,
    Screen,
    change_entry,
    checkbox,
    refusal_page,
    saved_or_refused,
)
from gateway.console.calls import Refused

router = APIRouter(include_in_schema=False)
M = TicketingMethod
AgentId = Annotated[str, Path(min_length=1, max_length=64)]


async def _agent_page(screen: Screen, agent_id: str, refusal: Refused | None = None) -> Response:
    try:
        person = await screen.call(TICKETING_RPC, M.AGENTS_GET, DirectoryKey(key=agent_id))
    except Refused as missing:
        return refusal_page(screen, missing)
    levels = await screen.call(TICKETING_RPC, M.LEVELS_LIST, NoParams())
    teams = await screen.call(TICKETING_RPC, M.TEAMS_LIST, NoParams())
    return screen.page(
        "admin_agent.html.j2",
        status_code=refusal.status if refusal else 200,
        person=person,
        levels=sorted(level["name"] for level in levels),
        teams=sorted(team["name"] for team in teams),
        error=refusal.detail if refusal else "",
        saved=screen.flag("saved"),
    )


@router.get("/admin/agents/{agent_id}", response_class=HTMLResponse)
async def agent_page(agent_id: AgentId, admin: Admin) -> Response:
    return await _agent_page(admin, agent_id)


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
    agent_id: AgentId, fields: session.CheckedForm, admin: Admin
) -> Response:
    """The agent's levels and teams as the boxes say; everything else about them stays."""

    def edit(kept: dict[str, Any]) -> dict[str, Any]:
        return {**kept, "levels": _ticked(fields, "level"), "teams": _ticked(fields, "team")}

    changed = change_entry(admin, AGENTS, agent_id, edit, fields)
    again = partial(_agent_page, admin, agent_id)
    return await saved_or_refused(changed, f"/admin/agents/{agent_id}?saved=1", again)
