"""What the use cases read from the directory (agents, levels) to decide who gets a ticket and
who is told about it; the directory's own management is ``usecases.directory``."""

from __future__ import annotations

from contracts.people import AgentRead, LevelRead
from ticketing.store.directory import DirectoryStore


async def agents(store: DirectoryStore) -> list[AgentRead]:
    return [AgentRead.model_validate(body) for body in await store.list_entries("agent")]


async def agent(store: DirectoryStore, agent_id: str) -> AgentRead | None:
    body = await store.get_entry("agent", agent_id)
    return AgentRead.model_validate(body) if body else None


async def members(
    store: DirectoryStore, *, level: str | None = None, team: str | None = None
) -> list[AgentRead]:
    """Active agents of a level or a team."""
    return [
        a
        for a in await agents(store)
        if a.active
        and ((level is not None and level in a.levels) or (team is not None and team in a.teams))
    ]


async def level_settings(store: DirectoryStore, name: str | None) -> LevelRead | None:
    """A level's settings (without its agents), None for no level or an unknown one."""
    if name is None:
        return None
    body = await store.get_entry("level", name)
    return LevelRead(**body, agents=[]) if body else None


async def check_targets(
    store: DirectoryStore, *, agent: str | None, level: str | None, team: str | None
) -> None:
    """What an agent hands a ticket to must exist (and an assignee be active); ValueError
    with the reason otherwise."""
    if agent is not None:
        found = await store.get_entry("agent", agent)
        if found is None:
            raise ValueError(f"there is no agent {agent!r} to assign the ticket to")
        if not found.get("active", True):
            raise ValueError(f"agent {agent!r} is inactive and cannot take tickets")
    if level is not None and await store.get_entry("level", level) is None:
        raise ValueError(f"there is no level {level!r}: create it first")
    if team is not None and await store.get_entry("team", team) is None:
        raise ValueError(f"there is no team {team!r}: create it first")
