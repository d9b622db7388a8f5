"""Request/reply methods for agents, teams and levels. Reading is open to every signed-in
caller (agents need to know who they can hand a ticket to); changing is for admins."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from contracts.people import AgentCreate, Directory, LevelCreate, TeamCreate
from contracts.rpc import Caller
from servicekit import rpc
from ticketing import directory
from ticketing.access import require_active, require_admin
from ticketing.domain.priority import PriorityScale
from ticketing.store.directory import DirectoryStore, Kind


class Key(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str


class Replace(Key):
    body: dict[str, Any]


def methods(store: DirectoryStore, scale: PriorityScale) -> dict[str, rpc.Method]:
    async def list_agents(params: dict[str, Any], caller: Caller) -> Any:
        await require_active(store, caller)
        return await directory.agents(store)

    async def get_agent(params: dict[str, Any], caller: Caller) -> Any:
        await require_active(store, caller)
        return await directory.require_agent(store, Key.model_validate(params).key)

    async def create_agent(params: dict[str, Any], caller: Caller) -> Any:
        require_admin(caller)
        return await directory.save_agent(store, None, AgentCreate.model_validate(params))

    async def replace_agent(params: dict[str, Any], caller: Caller) -> Any:
        require_admin(caller)
        request = Replace.model_validate(params)
        body = AgentCreate.model_validate(request.body)
        return await directory.save_agent(store, request.key, body)

    async def list_teams(params: dict[str, Any], caller: Caller) -> Any:
        await require_active(store, caller)
        return await directory.teams(store)

    async def get_team(params: dict[str, Any], caller: Caller) -> Any:
        await require_active(store, caller)
        return await directory.team(store, Key.model_validate(params).key)

    async def create_team(params: dict[str, Any], caller: Caller) -> Any:
        require_admin(caller)
        return await directory.save_team(store, None, TeamCreate.model_validate(params))

    async def replace_team(params: dict[str, Any], caller: Caller) -> Any:
        require_admin(caller)
        request = Replace.model_validate(params)
        return await directory.save_team(
            store, request.key, TeamCreate.model_validate(request.body)
        )

    async def list_levels(params: dict[str, Any], caller: Caller) -> Any:
        await require_active(store, caller)
        return await directory.levels(store)

    async def get_level(params: dict[str, Any], caller: Caller) -> Any:
        await require_active(store, caller)
        return await directory.level(store, Key.model_validate(params).key)

    async def create_level(params: dict[str, Any], caller: Caller) -> Any:
        require_admin(caller)
        return await directory.save_level(store, None, LevelCreate.model_validate(params), scale)

    async def replace_level(params: dict[str, Any], caller: Caller) -> Any:
        require_admin(caller)
        request = Replace.model_validate(params)
        body = LevelCreate.model_validate(request.body)
        return await directory.save_level(store, request.key, body, scale)

    def deleter(kind: Kind) -> rpc.Method:
        async def delete(params: dict[str, Any], caller: Caller) -> None:
            require_admin(caller)
            await directory.delete(store, kind, Key.model_validate(params).key)

        return delete

    return {
        Directory.AGENTS_LIST: list_agents,
        Directory.AGENTS_GET: get_agent,
        Directory.AGENTS_CREATE: create_agent,
        Directory.AGENTS_REPLACE: replace_agent,
        Directory.AGENTS_DELETE: deleter("agent"),
        Directory.TEAMS_LIST: list_teams,
        Directory.TEAMS_GET: get_team,
        Directory.TEAMS_CREATE: create_team,
        Directory.TEAMS_REPLACE: replace_team,
        Directory.TEAMS_DELETE: deleter("team"),
        Directory.LEVELS_LIST: list_levels,
        Directory.LEVELS_GET: get_level,
        Directory.LEVELS_CREATE: create_level,
        Directory.LEVELS_REPLACE: replace_level,
        Directory.LEVELS_DELETE: deleter("level"),
    }
