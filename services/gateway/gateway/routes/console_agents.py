"""The administrators' screen for agents and teams: invite an agent (create them and mail the
single-use link to choose a password, as ``POST /v1/agents`` then ``/invitations`` do),
deactivate or reactivate them, make them administrators or not, and create teams. The same
ticketing and notifier methods as the API, as the signed-in administrator agent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.credentials import AccessLinkRequest, SessionRead
from contracts.people import AgentCreate, AgentRead, TeamCreate
from contracts.rpc_ticketing import AgentReplace, DirectoryKey, NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import errors
from gateway.console import i18n, session
from gateway.console.admin_calls import caller_of, checkbox, not_admin, read_at, shown
from gateway.console.calls import Refused, call
from gateway.console.links import mail_password_link
from gateway.console.render import page
from gateway.deps import Services, ServicesDep
from gateway.settings import GatewaySettings

router = APIRouter(include_in_schema=False)
M = TicketingMethod
AgentId = Annotated[str, Path(min_length=1, max_length=64)]


async def _agents_page(
    request: Request,
    services: Services,
    signed: SessionRead,
    *,
    error: str = "",
    status: int = 200,
    notice: str = "",
) -> Response:
    caller = caller_of(signed)
    agents = await call(services, TICKETING_RPC, M.AGENTS_LIST, NoParams(), caller)
    teams = await call(services, TICKETING_RPC, M.TEAMS_LIST, NoParams(), caller)
    levels = await call(services, TICKETING_RPC, M.LEVELS_LIST, NoParams(), caller)
    saved = request.query_params.get("saved") == "1"
    return page(
        request,
        "admin_agents.html.j2",
        language=signed.agent.language,
        status_code=status,
        agent=signed.agent,
        agents=agents,
        teams=teams,
        levels=[level["name"] for level in levels],
        error=error,
        notice=notice or (i18n.translator(signed.agent.language)("saved") if saved else ""),
    )


@router.get("/admin/agents", response_class=HTMLResponse)
async def agents_page(request: Request, signed: session.Session, services: ServicesDep) -> Response:
    return not_admin(request, signed) or await _agents_page(request, services, signed)


@router.post("/admin/agents", response_class=HTMLResponse)
async def invite_agent(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    """Create the agent and mail them the link to choose their password."""
    if refused := not_admin(request, signed):
        return refused
    caller = caller_of(signed)
    settings: GatewaySettings = request.app.state.settings
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
        await call(services, TICKETING_RPC, M.AGENTS_CREATE, body, caller)
        link = AccessLinkRequest(
            agent_id=body.id, purpose="invite", ttl_minutes=settings.password_link_ttl_minutes
        )
        await mail_password_link(services, link, caller)
    except ValidationError as exc:
        invalid = Refused.invalid(exc)
        return await _agents_page(request, services, signed, error=invalid.detail, status=422)
    except Refused as refusal:
        return await _agents_page(
            request, services, signed, error=refusal.detail, status=refusal.status
        )
    except errors.ServiceRefusal as refusal:
        return await _agents_page(
            request, services, signed, error=refusal.error.detail, status=refusal.error.status
        )
    t = i18n.translator(signed.agent.language)
    return await _agents_page(request, services, signed, notice=t("invited", email=body.email))


@router.post("/admin/agents/{agent_id}", response_class=HTMLResponse)
async def edit_agent(
    agent_id: AgentId,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """Whether the agent is active and whether they are an administrator; the rest stays."""
    if refused := not_admin(request, signed):
        return refused
    caller = caller_of(signed)
    try:
        found = AgentRead.model_validate(
            await call(services, TICKETING_RPC, M.AGENTS_GET, DirectoryKey(key=agent_id), caller)
        )
        kept: dict[str, Any] = found.model_dump(mode="json", exclude={"revision"})
        body = AgentCreate.model_validate(
            {**kept, "active": checkbox(fields, "active"), "admin": checkbox(fields, "admin")}
        )
        expected = read_at(fields, found.model_dump())
        replace = AgentReplace(key=agent_id, body=body, expected_revision=expected)
        await call(services, TICKETING_RPC, M.AGENTS_REPLACE, replace, caller)
    except ValidationError as exc:
        invalid = Refused.invalid(exc)
        return await _agents_page(request, services, signed, error=invalid.detail, status=422)
    except Refused as refused_save:
        refusal = shown(refused_save, signed)
        return await _agents_page(
            request, services, signed, error=refusal.detail, status=refusal.status
        )
    return RedirectResponse("/admin/agents?saved=1", status_code=303)


@router.post("/admin/teams", response_class=HTMLResponse)
async def create_team(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    if refused := not_admin(request, signed):
        return refused
    try:
        body = TeamCreate.model_validate(
            {"name": fields.get("name", "").strip(), "description": fields.get("description", "")}
        )
        await call(services, TICKETING_RPC, M.TEAMS_CREATE, body, caller_of(signed))
    except ValidationError as exc:
        invalid = Refused.invalid(exc)
        return await _agents_page(request, services, signed, error=invalid.detail, status=422)
    except Refused as refusal:
        return await _agents_page(
            request, services, signed, error=refusal.detail, status=refusal.status
        )
    return RedirectResponse("/admin/agents?saved=1", status_code=303)
