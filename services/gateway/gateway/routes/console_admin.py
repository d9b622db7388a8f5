"""The administrators' screens for accounts (with their health), levels (calendar and SLA)
and calendars (weekly hours). Each calls the same ingestor and ticketing methods as
``/v1/accounts``, ``/v1/levels`` and ``/v1/calendars``, as the signed-in administrator agent;
an agent who is not one gets a 403 page. Forms post, then redirect back (no JavaScript
needed); a refusal is shown on the page with the service's reason and status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.accounts import AccountCreate, AccountFields, AccountKey, AccountsQuery
from contracts.calendars import CalendarCreate, CalendarRead
from contracts.credentials import SessionRead
from contracts.interaction import Channel
from contracts.people import LevelCreate, LevelRead
from contracts.rpc_ingestor import IngestorMethod
from contracts.rpc_ticketing import (
    CalendarReplace,
    DirectoryKey,
    LevelReplace,
    NoParams,
    TicketingMethod,
)
from contracts.schedule import WEEKDAYS
from contracts.topology import INGESTOR_RPC, TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import caller_of, checkbox, not_admin, read_at, shown
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.console.sla_form import form_choices
from gateway.deps import Services, ServicesDep
from gateway.routes.accounts import wire_body as _wire

router = APIRouter(include_in_schema=False)
M = TicketingMethod
Key = Annotated[str, Path(min_length=1, max_length=64)]


def _back(path: str) -> Response:
    return RedirectResponse(f"{path}?saved=1", status_code=303)


async def _accounts_page(
    request: Request, services: Services, signed: SessionRead, error: str = "", status: int = 200
) -> Response:
    listed = await call(
        services, INGESTOR_RPC, IngestorMethod.ACCOUNTS_LIST, AccountsQuery(), caller_of(signed)
    )
    return page(
        request,
        "admin_accounts.html.j2",
        language=signed.agent.language,
        status_code=status,
        agent=signed.agent,
        accounts=listed["items"],
        channels=[c.value for c in Channel],
        error=error,
        saved=request.query_params.get("saved") == "1",
        deleted=request.query_params.get("deleted") == "1",
    )


@router.get("/admin/accounts", response_class=HTMLResponse)
async def accounts_page(
    request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    return not_admin(request, signed) or await _accounts_page(request, services, signed)


def _credentials(fields: dict[str, str]) -> dict[str, str] | None:
    """One write-only credential from the form (name and secret), or none to keep the
    stored ones."""
    name, secret = fields.get("credential_name", "").strip(), fields.get("credential_secret", "")
    return {name: secret} if name and secret else None


@router.post("/admin/accounts", response_class=HTMLResponse)
async def connect_account(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    if refused := not_admin(request, signed):
        return refused
    try:
        body = AccountCreate.model_validate(
            {
                "id": fields.get("id", "").strip(),
                "channel": fields.get("channel", ""),
                "network_id": fields.get("network_id", ""),
                "name": fields.get("name", ""),
                "credentials": _credentials(fields),
            }
        )
        await call(
            services, INGESTOR_RPC, IngestorMethod.ACCOUNTS_CREATE, _wire(body), caller_of(signed)
        )
    except ValidationError as exc:
        return await _refused_accounts(request, services, signed, Refused.invalid(exc))
    except Refused as refusal:
        return await _refused_accounts(request, services, signed, refusal)
    return _back("/admin/accounts")


async def _refused_accounts(
    request: Request, services: Services, signed: SessionRead, refusal: Refused
) -> Response:
    return await _accounts_page(request, services, signed, refusal.detail, refusal.status)


@router.post("/admin/accounts/{account_id}", response_class=HTMLResponse)
async def edit_account(
    account_id: Key,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """Rename, disable or enable an account, or give it a new credential (kept otherwise)."""
    if refused := not_admin(request, signed):
        return refused
    caller = caller_of(signed)
    try:
        found = await call(
            services, INGESTOR_RPC, IngestorMethod.ACCOUNTS_GET, AccountKey(id=account_id), caller
        )
        changed = {
            "channel": found["channel"],
            "network_id": found["network_id"],
            "collect": found["collect"],
            "name": fields.get("name", found["name"]),
            "active": checkbox(fields, "active"),
        }
        body = AccountFields.model_validate({**changed, "credentials": _credentials(fields)})
        expected = read_at(fields, found)
        params = {"id": account_id, "body": _wire(body), "expected_revision": expected}
        await call(services, INGESTOR_RPC, IngestorMethod.ACCOUNTS_REPLACE, params, caller)
    except ValidationError as exc:
        return await _refused_accounts(request, services, signed, Refused.invalid(exc))
    except Refused as refusal:
        return await _refused_accounts(request, services, signed, shown(refusal, signed))
    return _back("/admin/accounts")


async def _levels_page(
    request: Request, services: Services, signed: SessionRead, error: str = "", status: int = 200
) -> Response:
    caller = caller_of(signed)
    levels = await call(services, TICKETING_RPC, M.LEVELS_LIST, NoParams(), caller)
    calendars = await call(services, TICKETING_RPC, M.CALENDARS_LIST, NoParams(), caller)
    return page(
        request,
        "admin_levels.html.j2",
        language=signed.agent.language,
        status_code=status,
        agent=signed.agent,
        levels=levels,
        calendars=calendars["items"] if isinstance(calendars, dict) else calendars,
        weekdays=WEEKDAYS,
        error=error,
        saved=request.query_params.get("saved") == "1",
        **form_choices(),
    )


async def levels_listing(
    request: Request, services: Services, signed: SessionRead, refusal: Refused
) -> Response:
    """The levels page again with a refusal beside its forms (for the other levels' routes)."""
    return await _levels_page(request, services, signed, refusal.detail, refusal.status)


@router.get("/admin/levels", response_class=HTMLResponse)
async def levels_page(request: Request, signed: session.Session, services: ServicesDep) -> Response:
    return not_admin(request, signed) or await _levels_page(request, services, signed)


def _target(minutes: str) -> dict[str, Any] | None:
    return {"amount": int(minutes), "unit": "minutes"} if minutes.strip() else None


@router.post("/admin/levels/{name}", response_class=HTMLResponse)
async def edit_level(
    name: Key,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """The level's calendar and its SLA targets (first response, resolution); the rest of
    the level stays as it is."""
    if refused := not_admin(request, signed):
        return refused
    caller = caller_of(signed)
    try:
        found = LevelRead.model_validate(
            await call(services, TICKETING_RPC, M.LEVELS_GET, DirectoryKey(key=name), caller)
        )
        kept = found.model_dump(mode="json", exclude={"agents", "revision"})
        sla = dict(kept.get("sla") or {})
        try:
            # A target the row cannot show in minutes (hours, business days) has no field
            # there and is kept; the level's own page edits it.
            for target in ("first_response", "resolution"):
                if target in fields:
                    sla[target] = _target(fields[target])
        except ValueError:
            raise Refused.because(422, "the SLA targets are whole numbers of minutes") from None
        has_target = any(sla.get(k) for k in ("first_response", "next_response", "resolution"))
        body = LevelCreate.model_validate(
            {
                **kept,
                "calendar": fields.get("calendar") or None,
                "sla": sla if has_target or sla.get("by_priority") else None,
            }
        )
        expected = read_at(fields, found.model_dump())
        replace = LevelReplace(key=name, body=body, expected_revision=expected)
        await call(services, TICKETING_RPC, M.LEVELS_REPLACE, replace, caller)
    except ValidationError as exc:
        return await _levels_page(request, services, signed, Refused.invalid(exc).detail, 422)
    except Refused as refusal:
        return await levels_listing(request, services, signed, shown(refusal, signed))
    return _back("/admin/levels")


def _weekly(
    fields: dict[str, str], kept: dict[str, list[dict[str, str]]] | None = None
) -> dict[str, list[dict[str, str]]]:
    """One opening per weekday from the form; a day left empty is closed. A day with several
    openings has no fields in this form (the calendar's own page edits it) and is ``kept``."""
    weekly: dict[str, list[dict[str, str]]] = {}
    for day in WEEKDAYS:
        if kept and f"{day}_start" not in fields and f"{day}_end" not in fields:
            if kept.get(day):
                weekly[day] = kept[day]
            continue
        start, end = fields.get(f"{day}_start", "").strip(), fields.get(f"{day}_end", "").strip()
        if start or end:
            weekly[day] = [{"start": start, "end": end}]
    return weekly


@router.post("/admin/calendars", response_class=HTMLResponse)
async def create_calendar(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    if refused := not_admin(request, signed):
        return refused
    try:
        body = CalendarCreate.model_validate(
            {
                "name": fields.get("name", "").strip(),
                "timezone": fields.get("timezone", "").strip(),
                "weekly": _weekly(fields),
            }
        )
        await call(services, TICKETING_RPC, M.CALENDARS_CREATE, body, caller_of(signed))
    except ValidationError as exc:
        return await _levels_page(request, services, signed, Refused.invalid(exc).detail, 422)
    except Refused as refusal:
        return await _levels_page(request, services, signed, refusal.detail, refusal.status)
    return _back("/admin/levels")


@router.post("/admin/calendars/{name}", response_class=HTMLResponse)
async def edit_calendar(
    name: Key,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """The calendar's time zone and weekly hours; its holidays and special days are kept.
    Ticketing recomputes the deadlines of the open tickets of the levels that use it."""
    if refused := not_admin(request, signed):
        return refused
    caller = caller_of(signed)
    try:
        found = CalendarRead.model_validate(
            await call(services, TICKETING_RPC, M.CALENDARS_GET, DirectoryKey(key=name), caller)
        )
        kept = found.model_dump(mode="json")
        body = CalendarCreate.model_validate(
            {
                **{k: kept[k] for k in CalendarCreate.model_fields if k in kept},
                "timezone": fields.get("timezone", found.timezone).strip(),
                "weekly": _weekly(fields, kept.get("weekly")),
            }
        )
        expected = read_at(fields, kept)
        replace = CalendarReplace(key=name, body=body, expected_revision=expected)
        await call(services, TICKETING_RPC, M.CALENDARS_REPLACE, replace, caller)
    except ValidationError as exc:
        return await _levels_page(request, services, signed, Refused.invalid(exc).detail, 422)
    except Refused as refusal:
        return await levels_listing(request, services, signed, shown(refusal, signed))
    return _back("/admin/levels")
