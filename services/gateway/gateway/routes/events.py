"""Live notices over Server-Sent Events: new tickets and ticket changes (new interactions
among them) as they happen."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from contracts.rpc import Caller
from gateway import limits
from gateway.access import agent_of, still_active
from gateway.deps import CurrentCaller, Services, ServicesDep
from gateway.live import SUBSCRIBED, Listener, LiveEvents, StillAllowed, Visible

router = APIRouter(prefix="/v1", tags=["live events"])


def visibility(caller: Caller, levels: frozenset[str]) -> Visible:
    """Admins see every ticket; an agent sees the tickets of their levels and their own."""
    if caller.role in ("admin", "system"):
        return lambda ticket: True
    return lambda ticket: ticket.get("assignee") == caller.id or ticket.get("level") in levels


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "SSE stream"},
        429: {"description": "The caller holds GATEWAY_MAX_STREAMS_PER_CALLER streams already"},
    },
)
async def live_events(request: Request, caller: CurrentCaller, services: ServicesDep) -> Any:
    """`text/event-stream` of `ticket.opened` and `ticket.changed` events, each `data` the
    event's JSON (`ticket.changed` with an `interaction_key` is a new interaction). A comment
    line every 15 s keeps proxies from closing an idle stream. The stream ends at once when
    the agent is deactivated, removed or taken out of a level (reconnect to follow the new
    levels; a level joined later also shows after reconnecting)."""
    levels: frozenset[str] = frozenset()
    if caller.role == "agent":
        agent = await agent_of(services, caller)
        levels = frozenset(agent["levels"])
    return stream(request, caller, levels, services)


def stream(
    request: Request,
    caller: Caller,
    levels: frozenset[str],
    services: Services,
    still_allowed: StillAllowed | None = None,
    greeting: str = SUBSCRIBED,
) -> StreamingResponse:
    """The caller's live stream: the API's, and the console's, whose ``still_allowed`` also
    asks whether the session is still open (a signed-out session's stream ends) and whose
    ``greeting`` is an event the page acts on."""
    live: LiveEvents = request.app.state.live
    listener = None
    if caller.role == "agent":

        async def allowed() -> bool:
            return await still_active(services, caller)

        listener = Listener(caller.id, levels, still_allowed or allowed)
    release = limits.of(request).open_stream(caller.id)
    return StreamingResponse(
        limits.counted(live.stream(visibility(caller, levels), listener, greeting), release),
        background=BackgroundTask(release),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
