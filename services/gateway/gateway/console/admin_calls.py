"""What the administrators' screens share: the administrator's session as a dependency that
turns every other agent away with a page (not a JSON error) that says so, a refusal shown as
its own page, the steps of changing one directory entry (read it, edit it, write it back)
and of answering a form (back to the page saved, or the page again with the refusal), the
session's caller, a form's checkbox. Calls to the services and their refusals are
gateway.console.calls, as for every console page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from contracts.calendars import CalendarCreate
from contracts.credentials import SessionRead
from contracts.people import AgentCreate, LevelCreate, TeamCreate
from contracts.rpc import STALE_REVISION, Caller
from contracts.rpc_ticketing import (
    AgentReplace,
    CalendarReplace,
    DirectoryKey,
    LevelReplace,
    TeamReplace,
    TicketingMethod,
)
from contracts.topology import TICKETING_RPC
from gateway.console import i18n, session
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.deps import Services, ServicesDep

M = TicketingMethod


class NotAdmin(Exception):
    """The session's agent is not an administrator: answered with the 403 page."""

    def __init__(self, signed: SessionRead) -> None:
        super().__init__(signed.agent.id)
        self.signed = signed


async def admin_session(signed: session.Session) -> SessionRead:
    """The session of an administrator agent; NotAdmin for any other agent."""
    if not signed.agent.admin:
        raise NotAdmin(signed)
    return signed


AdminSession = Annotated[SessionRead, Depends(admin_session)]


@dataclass(frozen=True)
class Screen:
    """One request to an administrators' screen: the page asked for, the administrator's
    session, and the services to call as them."""

    request: Request
    signed: SessionRead
    services: Services

    @property
    def caller(self) -> Caller:
        return session.caller_of(self.signed.agent)

    async def call(self, queue: str, method: str, params: BaseModel | dict[str, Any]) -> Any:
        """The service's answer to the administrator; a refusal raises Refused, a save over
        a newer revision in the administrator's words."""
        try:
            return await call(self.services, queue, method, params, self.caller)
        except Refused as refusal:
            raise shown(refusal, self.signed) from None

    def page(self, name: str, *, status_code: int = 200, **context: Any) -> Response:
        """The template ``name`` in the administrator's language."""
        return page(
            self.request,
            name,
            language=self.signed.agent.language,
            status_code=status_code,
            agent=self.signed.agent,
            **context,
        )

    def flag(self, name: str) -> bool:
        """Whether the page's address says ``name=1`` (``saved``, ``deleted``)."""
        return self.request.query_params.get(name) == "1"


async def admin_screen(request: Request, signed: AdminSession, services: ServicesDep) -> Screen:
    return Screen(request, signed, services)


Admin = Annotated[Screen, Depends(admin_screen)]


def refusal_page(screen: Screen, refusal: Refused) -> Response:
    """A page that says only why not (an entry that does not exist, a delete refused)."""
    return screen.page("refused.html.j2", status_code=refusal.status, detail=refusal.detail)


async def refuse_non_admin(request: Request, exc: Exception) -> Response:
    """The exception handler for NotAdmin: the 403 page in the agent's language."""
    assert isinstance(exc, NotAdmin)
    t = i18n.translator(exc.signed.agent.language)
    refusal = Refused.because(403, t("admin_only"))
    return refusal_page(Screen(request, exc.signed, request.app.state.services), refusal)


Again = Callable[[Refused], Awaitable[Response]]
"""The form's page shown again with a refusal beside it."""


async def saved_or_refused(work: Awaitable[object], done: str, again: Again) -> Response:
    """Do ``work``; then to ``done`` (a redirect, so a reload does not post again), or, when
    the contracts or a service refuse it, the form's page ``again`` with the reason."""
    try:
        await work
    except ValidationError as exc:
        return await again(Refused.invalid(exc))
    except Refused as refusal:
        return await again(refusal)
    return RedirectResponse(done, status_code=303)


@dataclass(frozen=True)
class Entries:
    """One kind of ticketing's directory entries, as the screens read and replace them."""

    get: TicketingMethod
    replace: TicketingMethod
    body: type[BaseModel]
    replace_params: Callable[..., BaseModel]


AGENTS = Entries(M.AGENTS_GET, M.AGENTS_REPLACE, AgentCreate, AgentReplace)
TEAMS = Entries(M.TEAMS_GET, M.TEAMS_REPLACE, TeamCreate, TeamReplace)
LEVELS = Entries(M.LEVELS_GET, M.LEVELS_REPLACE, LevelCreate, LevelReplace)
CALENDARS = Entries(M.CALENDARS_GET, M.CALENDARS_REPLACE, CalendarCreate, CalendarReplace)


async def change_entry(
    screen: Screen,
    kind: Entries,
    key: str,
    edit: Callable[[dict[str, Any]], dict[str, Any]],
    form: dict[str, str] | None = None,
) -> None:
    """Read the entry, let ``edit`` change its writable fields, and replace it whole: what
    the form does not show stays as it was. ``form``: a form showing the whole of what it
    changes, which carries the revision it was read at; without one (an addition, a removal)
    the change applies to the entry as just read, and a save in between is refused too."""
    found = await screen.call(TICKETING_RPC, kind.get, DirectoryKey(key=key))
    writable = {name: value for name, value in found.items() if name in kind.body.model_fields}
    body = kind.body.model_validate(edit(writable))
    expected = read_at(form or {}, found)
    replace = kind.replace_params(key=key, body=body, expected_revision=expected)
    await screen.call(TICKETING_RPC, kind.replace, replace)


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
