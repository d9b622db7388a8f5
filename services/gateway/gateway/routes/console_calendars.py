"""A business calendar's own page on the administrators' screens: its time zone and weekly
hours (several openings a day), its holidays (on a date, or every year on a day) and its
exceptions (a date's own hours, or closed). Every change reads the calendar, changes one part
and replaces it through the same ticketing methods as ``GET``/``PUT /v1/calendars/{name}``,
as the signed-in administrator agent; ticketing then recomputes the deadlines of the open
tickets of the levels that use it. A refusal is shown on the page with the contracts' or the
service's reason."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from contracts.rpc_ticketing import DirectoryKey, TicketingMethod
from contracts.schedule import WEEKDAYS
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import (
    CALENDARS,
    Admin,
    Screen,
    change_entry,
    refusal_page,
    saved_or_refused,
)
from gateway.console.calendar_form import HoursText, hours_text, openings
from gateway.console.calls import Refused

router = APIRouter(include_in_schema=False)
M = TicketingMethod
Name = Annotated[str, Path(min_length=1, max_length=64)]
Calendar = dict[str, Any]


async def _calendar_page(screen: Screen, name: str, refusal: Refused | None = None) -> Response:
    try:
        found = await screen.call(TICKETING_RPC, M.CALENDARS_GET, DirectoryKey(key=name))
    except Refused as missing:
        return refusal_page(screen, missing)
    weekly = found.get("weekly") or {}
    return screen.page(
        "admin_calendar.html.j2",
        status_code=refusal.status if refusal else 200,
        calendar=found,
        weekly_text={day: hours_text(weekly.get(day)) for day in WEEKDAYS},
        hours_text=hours_text,
        weekdays=WEEKDAYS,
        error=refusal.detail if refusal else "",
        saved=screen.flag("saved"),
    )


@router.get("/admin/calendars/{calendar}", response_class=HTMLResponse)
async def calendar_page(calendar: Name, admin: Admin) -> Response:
    return await _calendar_page(admin, calendar)


async def _change(
    screen: Screen,
    name: str,
    edit: Callable[[Calendar], None],
    form: dict[str, str] | None = None,
) -> Response:
    """Read the calendar, let ``edit`` change its fields, and replace it; back to its page.
    ``form``: a form showing the whole of what it changes, which carries the revision it was
    read at; an addition or a removal applies to the calendar as it is now."""

    def edited(found: Calendar) -> Calendar:
        try:
            edit(found)
        except HoursText as exc:
            raise Refused.because(422, str(exc)) from None
        return found

    changed = change_entry(screen, CALENDARS, name, edited, form)
    again = partial(_calendar_page, screen, name)
    return await saved_or_refused(changed, f"/admin/calendars/{name}?saved=1", again)


@router.post("/admin/calendars/{calendar}/hours", response_class=HTMLResponse)
async def edit_hours(calendar: Name, fields: session.CheckedForm, admin: Admin) -> Response:
    """The time zone and every weekday's openings; a day left empty is closed."""

    def edit(found: Calendar) -> None:
        found["timezone"] = fields.get("timezone", found["timezone"]).strip()
        weekly = {day: openings(fields.get(day, "")) for day in WEEKDAYS}
        found["weekly"] = {day: hours for day, hours in weekly.items() if hours}

    return await _change(admin, calendar, edit, fields)


@router.post("/admin/calendars/{calendar}/holidays", response_class=HTMLResponse)
async def add_holiday(calendar: Name, fields: session.CheckedForm, admin: Admin) -> Response:
    """A holiday on one date, or every year on a month and day (the contracts refuse both or
    neither)."""
    holiday = {
        "name": fields.get("name", "").strip(),
        "date": fields.get("date", "").strip() or None,
        "yearly": fields.get("yearly", "").strip() or None,
    }
    return await _change(
        admin, calendar, lambda found: found.setdefault("holidays", []).append(holiday)
    )


def _when(holiday: dict[str, Any]) -> str:
    """A holiday's key on the page: its date, or its yearly month and day."""
    return str(holiday.get("date") or holiday.get("yearly") or "")


def _remove(
    part: str, noun: str, key: Callable[[Any], str], value: str
) -> Callable[[Calendar], None]:
    """An edit that takes the calendar's ``part`` entries whose ``key`` is ``value`` away;
    404 when it has none."""

    def edit(found: Calendar) -> None:
        entries = found.get(part, [])
        kept = [entry for entry in entries if key(entry) != value]
        if len(kept) == len(entries):
            raise Refused.because(404, f"the calendar has no {noun} on {value!r}")
        found[part] = kept

    return edit


@router.post("/admin/calendars/{calendar}/holidays/remove", response_class=HTMLResponse)
async def remove_holiday(calendar: Name, fields: session.CheckedForm, admin: Admin) -> Response:
    edit = _remove("holidays", "holiday", _when, fields.get("when", ""))
    return await _change(admin, calendar, edit)


@router.post("/admin/calendars/{calendar}/exceptions", response_class=HTMLResponse)
async def set_exception(calendar: Name, fields: session.CheckedForm, admin: Admin) -> Response:
    """A date's own hours (empty: closed), replacing any exception already on that date."""
    date = fields.get("date", "").strip()

    def edit(found: Calendar) -> None:
        day = {
            "date": date,
            "hours": openings(fields.get("hours", "")),
            "name": fields.get("name", "").strip(),
        }
        others = [e for e in found.get("exceptions", []) if e["date"] != date]
        found["exceptions"] = [*others, day]

    return await _change(admin, calendar, edit)


@router.post("/admin/calendars/{calendar}/exceptions/remove", response_class=HTMLResponse)
async def remove_exception(calendar: Name, fields: session.CheckedForm, admin: Admin) -> Response:
    edit = _remove("exceptions", "exception", lambda day: str(day["date"]), fields.get("date", ""))
    return await _change(admin, calendar, edit)
