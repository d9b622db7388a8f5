"""The administrators' screens added beside the accounts, levels and agents lists, as one
router for app.py: deleting an account, creating a level and a level's page, a calendar's
page, an agent's levels and teams, and deleting a level, calendar, agent or team."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.routes import (
    console_account_delete,
    console_agent_memberships,
    console_calendars,
    console_deletes,
    console_levels,
)

router = APIRouter(include_in_schema=False)
for screen in (
    console_account_delete,
    console_levels,
    console_calendars,
    console_agent_memberships,
    console_deletes,
):
    router.include_router(screen.router)
