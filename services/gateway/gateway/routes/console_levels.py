"""Levels on the administrators' screens: create one with its calendar and SLA policy, and a
level's own page to change them (every SLA target with its unit, and the statuses that stop
the clock). The same ticketing methods as ``POST``/``PUT /v1/levels``, as the signed-in
administrator agent; the rest of the level (accounts, moderation, …) is kept as it is."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from contracts.people import LevelCreate
from contracts.rpc_ticketing import DirectoryKey, NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import (
    LEVELS,
    Admin,
    Screen,
    change_entry,
    refusal_page,
    saved_or_refused,
)
from gateway.console.calls import Refused
from gateway.console.sla_form import DEFAULT_PAUSING, band_percents, form_choices, sla_policy
from gateway.routes.console_admin import levels_listing

router = APIRouter(include_in_schema=False)
M = TicketingMethod
Name = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/admin/levels", response_class=HTMLResponse)
async def create_level(fields: session.CheckedForm, admin: Admin) -> Response:
    name = fields.get("name", "").strip()

    async def create() -> None:
        body = LevelCreate.model_validate(
            {
                "name": name,
                "calendar": fields.get("calendar") or None,
                "sla": sla_policy(
                    fields, {"pausing_statuses": DEFAULT_PAUSING}, pausing_shown=False
                ),
            }
        )
        await admin.call(TICKETING_RPC, M.LEVELS_CREATE, body)

    done = f"/admin/levels/{name}?saved=1"
    return await saved_or_refused(create(), done, partial(levels_listing, admin))


async def _level_page(screen: Screen, name: str, refusal: Refused | None = None) -> Response:
    try:
        found = await screen.call(TICKETING_RPC, M.LEVELS_GET, DirectoryKey(key=name))
    except Refused as missing:
        return refusal_page(screen, missing)
    calendars = await screen.call(TICKETING_RPC, M.CALENDARS_LIST, NoParams())
    vocabulary = await screen.call(TICKETING_RPC, M.DESK_VOCABULARY, NoParams())
    sla = found.get("sla") or {}
    scale = list(vocabulary["priorities"])
    return screen.page(
        "admin_level.html.j2",
        status_code=refusal.status if refusal else 200,
        level=found,
        sla=sla,
        # The desk's scale, then any priority the level has targets for that left it.
        priorities=scale + [p for p in sla.get("by_priority") or {} if p not in scale],
        bands=band_percents(sla),
        calendars=calendars["items"] if isinstance(calendars, dict) else calendars,
        error=refusal.detail if refusal else "",
        saved=screen.flag("saved"),
        **form_choices(),
    )


@router.get("/admin/levels/{name}", response_class=HTMLResponse)
async def level_page(name: Name, admin: Admin) -> Response:
    return await _level_page(admin, name)


@router.post("/admin/levels/{name}/sla", response_class=HTMLResponse)
async def edit_level_sla(name: Name, fields: session.CheckedForm, admin: Admin) -> Response:
    """The level's calendar and its whole SLA policy as the page shows it."""

    def edit(kept: dict[str, Any]) -> dict[str, Any]:
        return {
            **kept,
            "calendar": fields.get("calendar") or None,
            "sla": sla_policy(fields, kept.get("sla"), pausing_shown=True),
        }

    changed = change_entry(admin, LEVELS, name, edit, fields)
    again = partial(_level_page, admin, name)
    return await saved_or_refused(changed, f"/admin/levels/{name}?saved=1", again)
