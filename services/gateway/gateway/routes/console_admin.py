"""The administrators' screens for accounts (with their health), levels (calendar and SLA)
and calendars (weekly hours). Each calls the same ingestor and ticketing methods as
``/v1/accounts``, ``/v1/levels`` and ``/v1/calendars``, as the signed-in administrator agent;
an agent who is not one gets a 403 page. Forms post, then redirect back (no JavaScript
needed); a refusal is shown on the page with the service's reason and status."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from contracts.accounts import AccountCreate, AccountFields, AccountKey, AccountsQuery
from contracts.calendars import CalendarCreate
from contracts.interaction import Channel
from contracts.rpc_ingestor import IngestorMethod
from contracts.rpc_ticketing import NoParams, TicketingMethod
from contracts.schedule import WEEKDAYS
from contracts.topology import INGESTOR_RPC, TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import (
    CALENDARS,
    LEVELS,
    Admin,
    Screen,
    change_entry,
    checkbox,
    read_at,
    saved_or_refused,
)
from gateway.console.calls import Refused
from gateway.console.sla_form import form_choices
from gateway.routes.accounts import wire_body as _wire

router = APIRouter(include_in_schema=False)
M = TicketingMethod
Key = Annotated[str, Path(min_length=1, max_length=64)]
ACCOUNTS_SAVED = "/admin/accounts?saved=1"
LEVELS_SAVED = "/admin/levels?saved=1"


async def _accounts_page(screen: Screen, refusal: Refused | None = None) -> Response:
    listed = await screen.call(INGESTOR_RPC, IngestorMethod.ACCOUNTS_LIST, AccountsQuery())
    return screen.page(
        "admin_accounts.html.j2",
        status_code=refusal.status if refusal else 200,
        accounts=listed["items"],
        channels=[c.value for c in Channel],
        error=refusal.detail if refusal else "",
        saved=screen.flag("saved"),
        deleted=screen.flag("deleted"),
    )


@router.get("/admin/accounts", response_class=HTMLResponse)
async def accounts_page(admin: Admin) -> Response:
    return await _accounts_page(admin)


def _credentials(fields: dict[str, str]) -> dict[str, str] | None:
    """One write-only credential from the form (name and secret), or none to keep the
    stored ones."""
    name, secret = fields.get("credential_name", "").strip(), fields.get("credential_secret", "")
    return {name: secret} if name and secret else None


@router.post("/admin/accounts", response_class=HTMLResponse)
async def connect_account(fields: session.CheckedForm, admin: Admin) -> Response:
    async def connect() -> None:
        body = AccountCreate.model_validate(
            {
                "id": fields.get("id", "").strip(),
                "channel": fields.get("channel", ""),
                "network_id": fields.get("network_id", ""),
                "name": fields.get("name", ""),
                "credentials": _credentials(fields),
            }
        )
        await admin.call(INGESTOR_RPC, IngestorMethod.ACCOUNTS_CREATE, _wire(body))

    return await saved_or_refused(connect(), ACCOUNTS_SAVED, partial(_accounts_page, admin))


@router.post("/admin/accounts/{account_id}", response_class=HTMLResponse)
async def edit_account(account_id: Key, fields: session.CheckedForm, admin: Admin) -> Response:
    """Rename, disable or enable an account, or give it a new credential (kept otherwise)."""

    async def edit() -> None:
        key = AccountKey(id=account_id)
        found = await admin.call(INGESTOR_RPC, IngestorMethod.ACCOUNTS_GET, key)
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
        await admin.call(INGESTOR_RPC, IngestorMethod.ACCOUNTS_REPLACE, params)

    return await saved_or_refused(edit(), ACCOUNTS_SAVED, partial(_accounts_page, admin))


async def levels_listing(screen: Screen, refusal: Refused | None = None) -> Response:
    """The levels page, again with a refusal beside its forms (also for the other levels'
    routes)."""
    levels = await screen.call(TICKETING_RPC, M.LEVELS_LIST, NoParams())
    calendars = await screen.call(TICKETING_RPC, M.CALENDARS_LIST, NoParams())
    return screen.page(
        "admin_levels.html.j2",
        status_code=refusal.status if refusal else 200,
        levels=levels,
        calendars=calendars["items"] if isinstance(calendars, dict) else calendars,
        weekdays=WEEKDAYS,
        error=refusal.detail if refusal else "",
        saved=screen.flag("saved"),
        deleted=screen.flag("deleted"),
        **form_choices(),
    )


@router.get("/admin/levels", response_class=HTMLResponse)
async def levels_page(admin: Admin) -> Response:
    return await levels_listing(admin)


def _target(minutes: str) -> dict[str, Any] | None:
    return {"amount": int(minutes), "unit": "minutes"} if minutes.strip() else None


@router.post("/admin/levels/{name}", response_class=HTMLResponse)
async def edit_level(name: Key, fields: session.CheckedForm, admin: Admin) -> Response:
    """The level's calendar and its SLA targets (first response, resolution); the rest of
    the level stays as it is."""

    def edit(kept: dict[str, Any]) -> dict[str, Any]:
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
        return {
            **kept,
            "calendar": fields.get("calendar") or None,
            "sla": sla if has_target or sla.get("by_priority") else None,
        }

    changed = change_entry(admin, LEVELS, name, edit, fields)
    return await saved_or_refused(changed, LEVELS_SAVED, partial(levels_listing, admin))


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
async def create_calendar(fields: session.CheckedForm, admin: Admin) -> Response:
    async def create() -> None:
        body = CalendarCreate.model_validate(
            {
                "name": fields.get("name", "").strip(),
                "timezone": fields.get("timezone", "").strip(),
                "weekly": _weekly(fields),
            }
        )
        await admin.call(TICKETING_RPC, M.CALENDARS_CREATE, body)

    return await saved_or_refused(create(), LEVELS_SAVED, partial(levels_listing, admin))


@router.post("/admin/calendars/{name}", response_class=HTMLResponse)
async def edit_calendar(name: Key, fields: session.CheckedForm, admin: Admin) -> Response:
    """The calendar's time zone and weekly hours; its holidays and special days are kept.
    Ticketing recomputes the deadlines of the open tickets of the levels that use it."""

    def edit(kept: dict[str, Any]) -> dict[str, Any]:
        return {
            **kept,
            "timezone": fields.get("timezone", kept["timezone"]).strip(),
            "weekly": _weekly(fields, kept.get("weekly")),
        }

    changed = change_entry(admin, CALENDARS, name, edit, fields)
    return await saved_or_refused(changed, LEVELS_SAVED, partial(levels_listing, admin))
