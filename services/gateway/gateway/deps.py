"""Request dependencies: who is calling, and a way to call the services that own data."""

from __future__ import annotations

import secrets
from datetime import UTC, date
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from contracts.rpc import Caller, RpcError, RpcReply
from contracts.rpc_ticketing import DirectoryKey, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import errors, limits, tokens
from gateway.settings import GatewaySettings
from servicekit.clock import Clock
from servicekit.ratelimits import client_address
from servicekit.rpc import RpcClient, RpcTimeout, RpcUnavailable, WireReply

bearer = HTTPBearer(
    auto_error=False,
    description="SOCIALDESK_ADMIN_TOKEN, or an agent token from POST /v1/agents/{id}/tokens",
)


# Dependencies are async on purpose: FastAPI runs plain functions in its threadpool, a
# thread hop per request per dependency.


async def settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def clock_of(request: Request) -> Clock:
    """The gateway's clock (``create_app(clock=...)``), never the wall clock read directly,
    so a test decides what "today" is."""
    return request.app.state.clock  # type: ignore[no-any-return]


def today(request: Request) -> date:
    """Today's date in UTC by the gateway's clock: the reports' and backtests' default range."""
    return clock_of(request)().astimezone(UTC).date()


async def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The admin token, or an agent's signed token (401 for anything else). A token issued
    to an administrator agent is an administrator's only while ticketing still says the
    agent is one (one call, for these tokens alone): taking the flag away, or deactivating
    the agent, takes effect at once."""
    config = await settings(request)
    # An address that keeps failing is refused before its token is even looked at, so
    # guessing tokens stops at a few per minute (429 with Retry-After).
    failures, address = limits.of(request).auth_failures, client_address(request)
    failures.refuse_if_exhausted(address)
    if credentials is None:
        failures.hit(address)
        raise _unauthorized("missing or invalid bearer token")
    token = credentials.credentials
    if secrets.compare_digest(token.encode(), config.admin_token.encode()):
        return Caller(id="admin", role="admin")
    try:
        holder = tokens.holder_of(token, secret=config.jwt_secret)
    except tokens.BadToken as exc:
        failures.hit(address)
        raise _unauthorized(str(exc)) from exc
    caller = Caller(id=holder.agent_id, role="agent")
    if holder.claims_admin:
        found = await (await services(request)).call(
            TICKETING_RPC, TicketingMethod.AGENTS_GET, DirectoryKey(key=caller.id), caller
        )  # 403 for a deactivated or removed agent
        if found.get("admin") is True:
            return Caller(id=caller.id, role="admin")
    return caller


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, reason, headers={"WWW-Authenticate": "Bearer"}
    )


CurrentCaller = Annotated[Caller, Depends(current_caller)]


async def authenticated(request: Request) -> Caller:
    """``current_caller`` called directly, for the busiest reads (a ticket list, a ticket):
    FastAPI's resolution of the bearer scheme, the caller and the services as three
    dependencies was a tenth of the gateway's CPU on each. The same checks, in the same
    order, with the same refusals; such a route says in its OpenAPI that it takes the bearer
    token with ``BEARER_DOCUMENTED``."""
    return await current_caller(request, await bearer(request))


BEARER_DOCUMENTED: dict[str, Any] = {"security": [{bearer.scheme_name: []}]}
"""The ``security`` FastAPI writes for a route depending on ``CurrentCaller``: pass it in the
``openapi_extra`` of a route that calls ``authenticated`` itself."""


async def current_admin(caller: CurrentCaller) -> Caller:
    if caller.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an administrator can do this")
    return caller


AdminCaller = Annotated[Caller, Depends(current_admin)]


class Services:
    """Calls into the services over RabbitMQ, turning their refusals into HTTP errors."""

    def __init__(self, client: RpcClient, timeout: float) -> None:
        self._client = client
        self._timeout = timeout

    async def call(
        self, queue: str, method: str, params: BaseModel | dict[str, Any], caller: Caller
    ) -> Any:
        """The result; a refusal becomes an HTTP error with the service's status and reason
        (a 422 in the validation errors' shape, gateway.errors)."""
        reply = await self.reply(queue, method, params, caller)
        if reply.error is not None:
            raise errors.ServiceRefusal(reply.error)
        return reply.result

    async def relay(
        self, queue: str, method: str, params: BaseModel | dict[str, Any], caller: Caller
    ) -> Response:
        """The service's answer as the HTTP response, byte for byte: for reads whose result is
        already the route's response model (a page of tickets), so it is serialised once, in
        the service that built it, and never parsed, validated and encoded again here."""
        wire = await self._send(queue, method, params, caller)
        if wire.failed:
            raise errors.ServiceRefusal(RpcError.model_validate_json(wire.body))
        return Response(wire.body, media_type="application/json")

    async def reply(
        self, queue: str, method: str, params: BaseModel | dict[str, Any], caller: Caller
    ) -> RpcReply:
        """The reply as it came, refusals included, for routes that render them."""
        return (await self._send(queue, method, params, caller)).decoded()

    async def _send(
        self, queue: str, method: str, params: BaseModel | dict[str, Any], caller: Caller
    ) -> WireReply:
        """``params`` is the method's contract model (``contracts.rpc_*``); a dict is only for
        methods that have no model yet. No answer in time is a 504; no broker connection (an
        outage, or the moments after it while the reply consumer comes back) is a 503."""
        if isinstance(params, BaseModel):
            params = params.model_dump(mode="json", exclude_unset=True)
        try:
            return await self._client.call(queue, method, params, caller, self._timeout)
        except RpcTimeout as exc:
            raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, str(exc)) from exc
        except RpcUnavailable as exc:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, str(exc), headers={"Retry-After": "1"}
            ) from exc


async def services(request: Request) -> Services:
    return services_of(request)


def services_of(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(services)]
