"""What the administrators' screens share: turning away agents who are not administrators
with a page (not a JSON error) that says so, the session's caller, a form's checkbox. Calls
to the services and their refusals are gateway.console.calls, as for every console page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from contracts.credentials import SessionRead
from contracts.rpc import Caller
from gateway.console import i18n, session
from gateway.console.render import page


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
