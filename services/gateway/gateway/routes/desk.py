"""The agents' desk routers beside tickets (people, levels, calendars, interactions),
included by the app as one group."""

from __future__ import annotations

from gateway.routes import accounts, agents, calendars, interactions, levels, reports, teams

ROUTERS = (
    accounts.router,
    agents.router,
    teams.router,
    levels.router,
    calendars.router,
    interactions.router,
    reports.router,
)
