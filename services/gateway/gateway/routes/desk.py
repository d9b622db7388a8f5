"""The agents' desk routers beside tickets (people, levels, calendars, interactions),
included by the app as one group."""

from __future__ import annotations

from gateway.routes import (
    accounts,
    agents,
    calendars,
    groups,
    interactions,
    levels,
    people,
    reports,
    teams,
)

ROUTERS = (
    accounts.router,
    agents.router,
    teams.router,
    levels.router,
    calendars.router,
    interactions.router,
    people.router,
    groups.router,
    reports.router,
)
