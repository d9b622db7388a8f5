from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from pydantic import AwareDatetime, BaseModel

from contracts.credentials import AccessLinkRequest
from contracts.people import AgentCreate, AgentRead, AgentUpdate
from contracts.rpc_ticketing import AgentReplace, DirectoryKey, NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import revisions, tokens
from gateway.console.links import mail_password_link
from gateway.deps import AdminCaller, CurrentCaller, ServicesDep, settings
from gateway.settings import GatewaySettings

router = APIRouter(prefix="/v1/agents", tags=["agents"])

NOT_FOUND = {404: {"description": "No such agent"}}
ADMIN_ONLY = {403: {"description": "Only an administrator can do this"}}
AgentId = Annotated[str, Path(min_length=1, max_length=64, examples=["ana"])]


class AgentToken(BaseModel):
    """Send it as `Authorization: Bearer <token>`."""

    token: str
    agent_id: str
    expires_at: AwareDatetime


@router.get("", response_model=list[AgentRead])
async def list_agents(caller: CurrentCaller, services: ServicesDep) -> Any:
    """Every agent, by id: their levels, teams, language and whether they are active."""
    return await services.call(TICKETING_RPC, TicketingMethod.AGENTS_LIST, NoParams(), caller)


@router.post(
    "",
    response_model=AgentRead,
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, 409: {"description": "The id is taken"}},
)
async def create_agent(agent: AgentCreate, caller: AdminCaller, services: ServicesDep) -> Any:
    """Add an agent. The levels and teams named must exist (422 otherwise, also for a level
    being deleted at that very moment)."""
    return await services.call(TICKETING_RPC, TicketingMethod.AGENTS_CREATE, agent, caller)


@router.get("/{agent_id}", response_model=AgentRead, responses=NOT_FOUND)
async def get_agent(
    agent_id: AgentId, caller: CurrentCaller, services: ServicesDep, response: Response
) -> Any:
    found = await services.call(
        TICKETING_RPC, TicketingMethod.AGENTS_GET, DirectoryKey(key=agent_id), caller
    )
    return revisions.tagged(response, found)


@router.put(
    "/{agent_id}",
    response_model=AgentRead,
    responses={**NOT_FOUND, **ADMIN_ONLY, **revisions.STALE},
)
async def replace_agent(
    agent_id: AgentId,
    agent: AgentUpdate,
    caller: AdminCaller,
    services: ServicesDep,
    response: Response,
    if_match: revisions.IfMatch = None,
) -> Any:
    """Replace an agent (e.g. move them to other levels, or deactivate them). The levels and
    teams named must exist (422 otherwise, also for a level being deleted at that very
    moment)."""
    replace = AgentReplace(
        key=agent_id,
        body=revisions.record(agent, AgentCreate),
        expected_revision=revisions.expected(if_match, agent.revision),
    )
    saved = await services.call(TICKETING_RPC, TicketingMethod.AGENTS_REPLACE, replace, caller)
    return revisions.tagged(response, saved)


@router.delete(
    "/{agent_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **ADMIN_ONLY}
)
async def delete_agent(agent_id: AgentId, caller: AdminCaller, services: ServicesDep) -> Response:
    await services.call(
        TICKETING_RPC, TicketingMethod.AGENTS_DELETE, DirectoryKey(key=agent_id), caller
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{agent_id}/tokens",
    response_model=AgentToken,
    status_code=status.HTTP_201_CREATED,
    responses={**NOT_FOUND, **ADMIN_ONLY, 409: {"description": "The agent is inactive"}},
)
async def issue_token(
    agent_id: AgentId,
    caller: AdminCaller,
    services: ServicesDep,
    config: Annotated[GatewaySettings, Depends(settings)],
) -> AgentToken:
    """A signed bearer token for the agent, valid for `GATEWAY_TOKEN_TTL_MINUTES`. An
    administrator agent's token acts as an administrator while the agent still is one (an
    agent made administrator later needs a new token)."""
    agent = AgentRead.model_validate(
        await services.call(
            TICKETING_RPC, TicketingMethod.AGENTS_GET, DirectoryKey(key=agent_id), caller
        )
    )
    if not agent.active:
        raise HTTPException(status.HTTP_409_CONFLICT, f"agent {agent_id!r} is inactive")
    token, expires = tokens.issue(
        agent.id,
        secret=config.jwt_secret,
        ttl=timedelta(minutes=config.token_ttl_minutes),
        admin=agent.admin,
    )
    return AgentToken(token=token, agent_id=agent.id, expires_at=expires)


class Invitation(BaseModel):
    """The link went to the agent's address; it works once, until ``expires_at``."""

    agent_id: str
    email: str
    expires_at: AwareDatetime


@router.post(
    "/{agent_id}/invitations",
    response_model=Invitation,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **ADMIN_ONLY, 409: {"description": "The agent is inactive"}},
)
async def invite_agent(
    agent_id: AgentId,
    caller: AdminCaller,
    services: ServicesDep,
    config: Annotated[GatewaySettings, Depends(settings)],
) -> Invitation:
    """Mail the agent a link to choose their console password (`/password?token=…`). It works
    once and for `GATEWAY_PASSWORD_LINK_TTL_MINUTES`; a newer invitation or reset replaces it.
    The agent then signs in at `/sign-in` with their e-mail address."""
    request = AccessLinkRequest(
        agent_id=agent_id, purpose="invite", ttl_minutes=config.password_link_ttl_minutes
    )
    link = await mail_password_link(services, request, caller)
    assert link.expires_at is not None  # an invitation names its agent: found or 404
    return Invitation(agent_id=link.agent_id, email=link.email, expires_at=link.expires_at)
