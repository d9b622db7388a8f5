"""A business calendar's own page on the administrators' screens: its time zone and weekly
hours (several openings a day), its holidays (on a date, or every year on a day) and its
exceptions (a date's own hours, or closed). Every change reads the calendar, changes one part
and replaces it through the same ticketing methods as ``GET``/``PUT /v1/calendars/{name}``,
as the signed-in administrator agent; ticketing then recomputes the deadlines of the open
tickets of the levels that use it. A refusal is shown on the page with the contracts' or the
service's reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.calendars import CalendarCreate
from contracts.credentials import SessionRead
from contracts.rpc_ticketing import CalendarReplace, DirectoryKey, TicketingMethod
from contracts.schedule import WEEKDAYS
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import caller_of, not_admin, read_at, shown
from gateway.console.calendar_form import HoursText, hours_text, openings
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.deps import Services, ServicesDep

router = APIRouter(include_in_schema=False)
M = TicketingMethod
Name = Annotated[str, Path(min_length=1, max_length=64)]
Calendar = dict[str, Any]


async def _calendar_page(
    request: Request,
    services: Services,
    signed: SessionRead,
    name: str,
    refusal: Refused | None = None,
) -> Response:
    key = DirectoryKey(key=name)
    try:
        found = await call(services, TICKETING_RPC, M.CALENDARS_GET, key, caller_of(signed))
    except Refused as missing:
        return page(
            request,
            "refused.html.j2",
            language=signed.agent.language,
            agent=signed.agent,
            status_code=missing.status,
            detail=missing.detail,
        )
    weekly = found.get("weekly") or {}
    return page(
        request,
        "admin_calendar.html.j2",
        language=signed.agent.language,
        status_code=refusal.status if refusal else 200,
        agent=signed.agent,
        calendar=found,
        weekly_text={day: hours_text(weekly.get(day)) for day in WEEKDAYS},
        hours_text=hours_text,
        weekdays=WEEKDAYS,
        error=refusal.detail if refusal else "",
        saved=request.query_params.get("saved") == "1",
    )


@router.get("/admin/calendars/{calendar}", response_class=HTMLResponse)
async def calendar_page(
    calendar: Name, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    return not_admin(request, signed) or await _calendar_page(request, services, signed, calendar)


async def _change(
    request: Request,
    services: Services,
    signed: SessionRead,
    name: str,
    edit: Callable[[Calendar], None],
    form: dict[str, str] | None = None,
) -> Response:
    """Read the calendar, let ``edit`` change its fields, and replace it; back to its page.
    ``form``: a form showing the whole of what it changes, which carries the revision it was
    read at; an addition or a removal applies to the calendar as it is now."""
    caller = caller_of(signed)
    try:
        found = await call(services, TICKETING_RPC, M.CALENDARS_GET, DirectoryKey(key=name), caller)
        fields = {k: found[k] for k in CalendarCreate.model_fields if k in found}
        edit(fields)
        body = CalendarCreate.model_validate(fields)
        expected = read_at(form or {}, found)
        replace = CalendarReplace(key=name, body=body, expected_revision=expected)
        await call(services, TICKETING_RPC, M.CALENDARS_REPLACE, replace, caller)
    except ValidationError as exc:
        return await _calendar_page(request, services, signed, name, Refused.invalid(exc))
    except HoursText as exc:
        refusal = Refused.because(422, str(exc))
        return await _calendar_page(request, services, signed, name, refusal)
    except Refused as refusal:
        return await _calendar_page(request, services, signed, name, shown(refusal, signed))
    return RedirectResponse(f"/admin/calendars/{name}?saved=1", status_code=303)


@router.post("/admin/calendars/{calendar}/hours", response_class=HTMLResponse)
async def edit_hours(
    calendar: Name,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """The time zone and every weekday's openings; a day left empty is closed."""
    if refused := not_admin(request, signed):
        return refused

    def edit(found: Calendar) -> None:
        found["timezone"] = fields.get("timezone", found["timezone"]).strip()
        weekly = {day: openings(fields.get(day, "")) for day in WEEKDAYS}
        found["weekly"] = {day: hours for day, hours in weekly.items() if hours}

    return await _change(request, services, signed, calendar, edit, fields)


@router.post("/admin/calendars/{calendar}/holidays", response_class=HTMLResponse)
async def add_holiday(
    calendar: Name,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """A holiday on one date, or every year on a month and day (the contracts refuse both or
    neither)."""
    if refused := not_admin(request, signed):
        return refused
    holiday = {
        "name": fields.get("name", "").strip(),
        "date": fields.get("date", "").strip() or None,
        "yearly": fields.get("yearly", "").strip() or None,
    }
    return await _change(
        request,
        services,
        signed,
        calendar,
        lambda found: found.setdefault("holidays", []).append(holiday),
    )


def _when(holiday: dict[str, Any]) -> str:
    """A holiday's key on the page: its date, or its yearly month and day."""
    return str(holiday.get("date") or holiday.get("yearly") or "")


@router.post("/admin/calendars/{calendar}/holidays/remove", response_class=HTMLResponse)
async def remove_holiday(
    calendar: Name,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    if refused := not_admin(request, signed):
        return refused
    when = fields.get("when", "")

    def edit(found: Calendar) -> None:
        holidays = found.get("holidays", [])
        kept = [h for h in holidays if _when(h) != when]
        if len(kept) == len(holidays):
            raise Refused.because(404, f"the calendar has no holiday on {when!r}")
        found["holidays"] = kept

    return await _change(request, services, signed, calendar, edit)


@router.post("/admin/calendars/{calendar}/exceptions", response_class=HTMLResponse)
async def set_exception(
    calendar: Name,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """A date's own hours (empty: closed), replacing any exception already on that date."""
    if refused := not_admin(request, signed):
        return refused
    date = fields.get("date", "").strip()

    def edit(found: Calendar) -> None:
        day = {
            "date": date,
            "hours": openings(fields.get("hours", "")),
            "name": fields.get("name", "").strip(),
        }
        others = [e for e in found.get("exceptions", []) if e["date"] != date]
        found["exceptions"] = [*others, day]

    return await _change(request, services, signed, calendar, edit)


@router.post("/admin/calendars/{calendar}/exceptions/remove", response_class=HTMLResponse)
async def remove_exception(
    calendar: Name,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    if refused := not_admin(request, signed):
        return refused
    date = fields.get("date", "")

    def edit(found: Calendar) -> None:
        exceptions = found.get("exceptions", [])
        kept = [e for e in exceptions if e["date"] != date]
        if len(kept) == len(exceptions):
            raise Refused.because(404, f"the calendar has no exception on {date!r}")
        found["exceptions"] = kept

    return await _change(request, services, signed, calendar, edit)
