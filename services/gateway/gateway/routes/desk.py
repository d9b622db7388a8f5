"""The agents' desk routers beside tickets (people, levels, interactions), included by the
app as one group."""

from __future__ import annotations

from gateway.routes import accounts, agents, interactions, levels, teams

ROUTERS = (accounts.router, agents.router, teams.router, levels.router, interactions.router)
