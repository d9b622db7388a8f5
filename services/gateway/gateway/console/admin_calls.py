"""What the administrators' screens share: turning away agents who are not administrators
with a page (not a JSON error) that says so, the session's caller, a form's checkbox, and the
revision an edit form was read at. Calls to the services and their refusals are
gateway.console.calls, as for every console page."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from contracts.credentials import SessionRead
from contracts.rpc import STALE_REVISION, Caller
from gateway.console import i18n, session
from gateway.console.calls import Refused
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


def form_revision(fields: dict[str, str]) -> int | None:
    """The revision the record had when the form was rendered (its hidden ``revision``), so
    a save over someone else's later one is refused; None from a page rendered without it."""
    given = fields.get("revision", "").strip()
    return int(given) if given.isdigit() else None


def read_at(fields: dict[str, str], found: dict[str, Any]) -> int:
    """The form's revision, or for a form without one the revision of ``found`` (the
    record just read to apply the form to): that read and the write are then one step."""
    given = form_revision(fields)
    return given if given is not None else int(found.get("revision") or 0)


def shown(refusal: Refused, signed: SessionRead) -> Refused:
    """A refusal as the page says it: someone else's save since the form was read, in the
    administrator's language (the page is then rendered again with the current values)."""
    if refusal.error.code != STALE_REVISION:
        return refusal
    t = i18n.translator(signed.agent.language)
    return Refused.because(refusal.status, t("stale_revision"))
