"""Levels on the administrators' screens: create one with its calendar and SLA policy, and a
level's own page to change them (every SLA target with its unit, and the statuses that stop
the clock). The same ticketing methods as ``POST``/``PUT /v1/levels``, as the signed-in
administrator agent; the rest of the level (accounts, moderation, …) is kept as it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.credentials import SessionRead
from contracts.people import LevelCreate, LevelRead
from contracts.rpc_ticketing import DirectoryKey, LevelReplace, NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import caller_of, not_admin, read_at, shown
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.console.sla_form import DEFAULT_PAUSING, form_choices, sla_policy
from gateway.deps import Services, ServicesDep
from gateway.routes.console_admin import levels_listing

router = APIRouter(include_in_schema=False)
M = TicketingMethod
Name = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/admin/levels", response_class=HTMLResponse)
async def create_level(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    if refused := not_admin(request, signed):
        return refused
    try:
        body = LevelCreate.model_validate(
            {
                "name": fields.get("name", "").strip(),
                "calendar": fields.get("calendar") or None,
                "sla": sla_policy(
                    fields, {"pausing_statuses": DEFAULT_PAUSING}, pausing_shown=False
                ),
            }
        )
        await call(services, TICKETING_RPC, M.LEVELS_CREATE, body, caller_of(signed))
    except ValidationError as exc:
        return await levels_listing(request, services, signed, Refused.invalid(exc))
    except Refused as refusal:
        return await levels_listing(request, services, signed, refusal)
    return RedirectResponse(f"/admin/levels/{body.name}?saved=1", status_code=303)


async def _level_page(
    request: Request,
    services: Services,
    signed: SessionRead,
    name: str,
    refusal: Refused | None = None,
) -> Response:
    caller = caller_of(signed)
    try:
        found = await call(services, TICKETING_RPC, M.LEVELS_GET, DirectoryKey(key=name), caller)
    except Refused as missing:
        return page(
            request,
            "refused.html.j2",
            language=signed.agent.language,
            agent=signed.agent,
            status_code=missing.status,
            detail=missing.detail,
        )
    calendars = await call(services, TICKETING_RPC, M.CALENDARS_LIST, NoParams(), caller)
    return page(
        request,
        "admin_level.html.j2",
        language=signed.agent.language,
        status_code=refusal.status if refusal else 200,
        agent=signed.agent,
        level=found,
        sla=found.get("sla") or {},
        calendars=calendars["items"] if isinstance(calendars, dict) else calendars,
        error=refusal.detail if refusal else "",
        saved=request.query_params.get("saved") == "1",
        **form_choices(),
    )


@router.get("/admin/levels/{name}", response_class=HTMLResponse)
async def level_page(
    name: Name, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    return not_admin(request, signed) or await _level_page(request, services, signed, name)


@router.post("/admin/levels/{name}/sla", response_class=HTMLResponse)
async def edit_level_sla(
    name: Name,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """The level's calendar and its whole SLA policy as the page shows it."""
    if refused := not_admin(request, signed):
        return refused
    caller = caller_of(signed)
    try:
        found = LevelRead.model_validate(
            await call(services, TICKETING_RPC, M.LEVELS_GET, DirectoryKey(key=name), caller)
        )
        kept = found.model_dump(mode="json", exclude={"agents", "revision"})
        body = LevelCreate.model_validate(
            {
                **kept,
                "calendar": fields.get("calendar") or None,
                "sla": sla_policy(fields, kept.get("sla"), pausing_shown=True),
            }
        )
        expected = read_at(fields, found.model_dump())
        replace = LevelReplace(key=name, body=body, expected_revision=expected)
        await call(services, TICKETING_RPC, M.LEVELS_REPLACE, replace, caller)
    except ValidationError as exc:
        return await _level_page(request, services, signed, name, Refused.invalid(exc))
    except Refused as refusal:
        return await _level_page(request, services, signed, name, shown(refusal, signed))
    return RedirectResponse(f"/admin/levels/{name}?saved=1", status_code=303)
