"""The administrators' screen for agents and teams: invite an agent (create them and mail the
single-use link to choose a password, as ``POST /v1/agents`` then ``/invitations`` do),
deactivate or reactivate them, make them administrators or not, and create teams. The same
ticketing and notifier methods as the API, as the signed-in administrator agent."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from contracts.credentials import AccessLinkRequest
from contracts.people import AgentCreate, TeamCreate
from contracts.rpc_ticketing import NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import errors
from gateway.console import i18n, session
from gateway.console.admin_calls import (
    AGENTS,
    Admin,
    Screen,
    change_entry,
    checkbox,
    saved_or_refused,
)
from gateway.console.calls import Refused
from gateway.console.links import mail_password_link
from gateway.settings import GatewaySettings

router = APIRouter(include_in_schema=False)
M = TicketingMethod
AgentId = Annotated[str, Path(min_length=1, max_length=64)]
AGENTS_SAVED = "/admin/agents?saved=1"


async def agents_listing(
    screen: Screen, refusal: Refused | None = None, *, notice: str = ""
) -> Response:
    """The agents and teams page, again with a refusal or a notice (also for the other agents'
    and teams' routes)."""
    agents = await screen.call(TICKETING_RPC, M.AGENTS_LIST, NoParams())
    teams = await screen.call(TICKETING_RPC, M.TEAMS_LIST, NoParams())
    levels = await screen.call(TICKETING_RPC, M.LEVELS_LIST, NoParams())
    t = i18n.translator(screen.signed.agent.language)
    if not notice and screen.flag("saved"):
        notice = t("saved")
    elif not notice and screen.flag("deleted"):
        notice = t("entry_deleted")
    return screen.page(
        "admin_agents.html.j2",
        status_code=refusal.status if refusal else 200,
        agents=agents,
        teams=teams,
        levels=[level["name"] for level in levels],
        error=refusal.detail if refusal else "",
        notice=notice,
    )


@router.get("/admin/agents", response_class=HTMLResponse)
async def agents_page(admin: Admin) -> Response:
    return await agents_listing(admin)


@router.post("/admin/agents", response_class=HTMLResponse)
async def invite_agent(fields: session.CheckedForm, admin: Admin) -> Response:
    """Create the agent and mail them the link to choose their password."""
    settings: GatewaySettings = admin.request.app.state.settings
    try:
        body = AgentCreate.model_validate(
            {
                "id": fields.get("id", "").strip(),
                "name": fields.get("name", ""),
                "email": fields.get("email", "").strip(),
                "language": fields.get("language") or "pt-BR",
                "levels": [fields["level"]] if fields.get("level") else [],
                "admin": checkbox(fields, "admin"),
            }
        )
        await admin.call(TICKETING_RPC, M.AGENTS_CREATE, body)
        link = AccessLinkRequest(
            agent_id=body.id, purpose="invite", ttl_minutes=settings.password_link_ttl_minutes
        )
        await mail_password_link(admin.services, link, admin.caller)
    except ValidationError as exc:
        return await agents_listing(admin, Refused.invalid(exc))
    except Refused as refusal:
        return await agents_listing(admin, refusal)
    except errors.ServiceRefusal as refusal:
        return await agents_listing(admin, Refused(refusal.error))
    t = i18n.translator(admin.signed.agent.language)
    return await agents_listing(admin, notice=t("invited", email=body.email))


@router.post("/admin/agents/{agent_id}", response_class=HTMLResponse)
async def edit_agent(agent_id: AgentId, fields: session.CheckedForm, admin: Admin) -> Response:
    """Whether the agent is active and whether they are an administrator; the rest stays."""

    def edit(kept: dict[str, Any]) -> dict[str, Any]:
        return {**kept, "active": checkbox(fields, "active"), "admin": checkbox(fields, "admin")}

    changed = change_entry(admin, AGENTS, agent_id, edit, fields)
    return await saved_or_refused(changed, AGENTS_SAVED, partial(agents_listing, admin))


@router.post("/admin/teams", response_class=HTMLResponse)
async def create_team(fields: session.CheckedForm, admin: Admin) -> Response:
    async def create() -> None:
        body = TeamCreate.model_validate(
            {"name": fields.get("name", "").strip(), "description": fields.get("description", "")}
        )
        await admin.call(TICKETING_RPC, M.TEAMS_CREATE, body)

    return await saved_or_refused(create(), AGENTS_SAVED, partial(agents_listing, admin))
