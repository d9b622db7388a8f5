"""What the administrators' screens and the reports page share: calling a service as the
signed-in agent with its refusal kept for the page, and turning away agents who are not
administrators with a page (not a JSON error) that says so."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from contracts.credentials import SessionRead
from contracts.rpc import Caller, RpcError
from gateway.console import i18n, session
from gateway.console.render import page
from gateway.deps import Services


class Refused(Exception):
    """A service's refusal (or a form the contracts refuse) to show on the page."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail

    @classmethod
    def of(cls, error: RpcError) -> Refused:
        return cls(error.status, error.detail)

    @classmethod
    def invalid(cls, exc: ValidationError) -> Refused:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else str(e["msg"])
            for e in exc.errors(include_url=False)
        )
        return cls(422, reasons)


async def call(
    services: Services,
    queue: str,
    method: str,
    params: BaseModel | dict[str, Any],
    caller: Caller,
) -> Any:
    """The result; a refusal below 500 raises Refused, anything worse is the HTTP error."""
    reply = await services.reply(queue, method, params, caller)
    if reply.error is None:
        return reply.result
    if reply.error.status >= 500:
        raise HTTPException(reply.error.status, reply.error.detail)
    raise Refused.of(reply.error)


def not_admin(request: Request, signed: SessionRead) -> Response | None:
    """The 403 page for an agent who is not an administrator; None for an administrator."""
    if signed.agent.admin:
        return None
    t = i18n.translator(signed.agent.language)
    return page(
        request,
        "refused.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        status_code=403,
        detail=t("admin_only"),
    )


def caller_of(signed: SessionRead) -> Caller:
    return session.caller_of(signed.agent)


def checkbox(fields: dict[str, str], name: str) -> bool:
    return fields.get(name) in ("on", "true", "1")
