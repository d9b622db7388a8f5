"""Deleting a level, a calendar, an agent or a team from the administrators' screens, in two
steps as for an account: a page that names the entry and says what deleting it does, then the
confirmed form. The same ticketing methods as ``DELETE /v1/levels|calendars|agents|teams/…``,
as the signed-in administrator agent; ticketing refuses a level or team that still has agents
and a calendar a level still uses, and the confirmation page shows its reason. (Switching an
agent off instead is the "Active" box of the agents list.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.rpc_ticketing import DirectoryKey, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway.console import i18n, session
from gateway.console.admin_calls import Admin, Screen, refusal_page
from gateway.console.calls import Refused

router = APIRouter(include_in_schema=False)
M = TicketingMethod
Key = Annotated[str, Path(min_length=1, max_length=64)]


@dataclass(frozen=True)
class Deletable:
    """One kind of directory entry the screens delete: how to read and delete it, which of
    its facts the confirmation shows, and the list it leaves."""

    kind: str
    get: TicketingMethod
    delete: TicketingMethod
    facts: tuple[str, ...]
    listing: str

    def action(self, key: str) -> str:
        """The confirmation form's address: ``/admin/<kind>s/<key>/delete``."""
        return f"/admin/{self.kind}s/{key}/delete"


LEVEL = Deletable("level", M.LEVELS_GET, M.LEVELS_DELETE, ("agents", "accounts"), "/admin/levels")
CALENDAR = Deletable(
    "calendar", M.CALENDARS_GET, M.CALENDARS_DELETE, ("timezone",), "/admin/levels"
)
AGENT = Deletable("agent", M.AGENTS_GET, M.AGENTS_DELETE, ("name", "email"), "/admin/agents")
TEAM = Deletable("team", M.TEAMS_GET, M.TEAMS_DELETE, ("description", "agents"), "/admin/agents")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value or "")


async def _confirmation(
    screen: Screen, what: Deletable, key: str, refusal: Refused | None = None
) -> Response:
    """What is about to be deleted, with the button that does it and a way back; again with
    the service's reason when it refused."""
    try:
        found = await screen.call(TICKETING_RPC, what.get, DirectoryKey(key=key))
    except Refused as missing:
        return refusal_page(screen, missing)
    return screen.page(
        "admin_delete.html.j2",
        status_code=refusal.status if refusal else 200,
        kind=what.kind,
        key=key,
        facts=[(fact, _shown(found.get(fact))) for fact in what.facts],
        action=what.action(key),
        back=what.listing,
        error=refusal.detail if refusal else "",
    )


async def _delete(screen: Screen, what: Deletable, key: str) -> Response:
    try:
        if what is AGENT and key == screen.signed.agent.id:
            t = i18n.translator(screen.signed.agent.language)
            raise Refused.because(409, t("delete_yourself"))
        await screen.call(TICKETING_RPC, what.delete, DirectoryKey(key=key))
    except Refused as refusal:
        return await _confirmation(screen, what, key, refusal)
    return RedirectResponse(f"{what.listing}?deleted=1", status_code=303)


@router.get("/admin/levels/{name}/delete", response_class=HTMLResponse)
async def confirm_level(name: Key, admin: Admin) -> Response:
    return await _confirmation(admin, LEVEL, name)


@router.post("/admin/levels/{name}/delete", response_class=HTMLResponse)
async def delete_level(name: Key, fields: session.CheckedForm, admin: Admin) -> Response:
    return await _delete(admin, LEVEL, name)


@router.get("/admin/calendars/{calendar}/delete", response_class=HTMLResponse)
async def confirm_calendar(calendar: Key, admin: Admin) -> Response:
    return await _confirmation(admin, CALENDAR, calendar)


@router.post("/admin/calendars/{calendar}/delete", response_class=HTMLResponse)
async def delete_calendar(calendar: Key, fields: session.CheckedForm, admin: Admin) -> Response:
    return await _delete(admin, CALENDAR, calendar)


@router.get("/admin/agents/{agent_id}/delete", response_class=HTMLResponse)
async def confirm_agent(agent_id: Key, admin: Admin) -> Response:
    return await _confirmation(admin, AGENT, agent_id)


@router.post("/admin/agents/{agent_id}/delete", response_class=HTMLResponse)
async def delete_agent(agent_id: Key, fields: session.CheckedForm, admin: Admin) -> Response:
    return await _delete(admin, AGENT, agent_id)


@router.get("/admin/teams/{team}/delete", response_class=HTMLResponse)
async def confirm_team(team: Key, admin: Admin) -> Response:
    return await _confirmation(admin, TEAM, team)


@router.post("/admin/teams/{team}/delete", response_class=HTMLResponse)
async def delete_team(team: Key, fields: session.CheckedForm, admin: Admin) -> Response:
    return await _delete(admin, TEAM, team)
