"""Request/reply methods for agents, teams, levels and calendars."""

from __future__ import annotations

from typing import Any

from contracts.calendars import CalendarCreate
from contracts.people import AgentCreate, LevelCreate, TeamCreate
from contracts.rpc import Caller
from contracts.rpc_ticketing import (
    AgentReplace,
    CalendarReplace,
    DeskVocabulary,
    DirectoryKey,
    LevelReplace,
    NoParams,
    TeamReplace,
    TicketingMethod,
)
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.store.directory import Kind
from ticketing.usecases import directory

M = TicketingMethod


def methods(deps: Deps) -> dict[str, rpc.Method]:
    store, scale, publisher = deps.store, deps.scale, deps.publisher

    async def list_agents(_: NoParams, caller: Caller) -> Any:
        return await directory.list_agents(store=store, caller=caller)

    async def get_agent(params: DirectoryKey, caller: Caller) -> Any:
        return await directory.get_agent(store=store, agent_id=params.key, caller=caller)

    async def create_agent(body: AgentCreate, caller: Caller) -> Any:
        return await directory.save_agent(
            store=store, publisher=publisher, agent_id=None, body=body, caller=caller
        )

    async def replace_agent(params: AgentReplace, caller: Caller) -> Any:
        return await directory.save_agent(
            store=store,
            publisher=publisher,
            agent_id=params.key,
            body=params.body,
            caller=caller,
            expected_revision=params.expected_revision,
        )

    async def list_teams(_: NoParams, caller: Caller) -> Any:
        return await directory.list_teams(store=store, caller=caller)

    async def get_team(params: DirectoryKey, caller: Caller) -> Any:
        return await directory.get_team(store=store, name=params.key, caller=caller)

    async def create_team(body: TeamCreate, caller: Caller) -> Any:
        return await directory.save_team(store=store, name=None, body=body, caller=caller)

    async def replace_team(params: TeamReplace, caller: Caller) -> Any:
        return await directory.save_team(
            store=store,
            name=params.key,
            body=params.body,
            caller=caller,
            expected_revision=params.expected_revision,
        )

    async def list_levels(_: NoParams, caller: Caller) -> Any:
        return await directory.list_levels(store=store, caller=caller)

    async def get_level(params: DirectoryKey, caller: Caller) -> Any:
        return await directory.get_level(store=store, name=params.key, caller=caller)

    async def create_level(body: LevelCreate, caller: Caller) -> Any:
        return await directory.save_level(
            store=store, name=None, body=body, scale=scale, caller=caller, now=deps.clock()
        )

    async def replace_level(params: LevelReplace, caller: Caller) -> Any:
        return await directory.save_level(
            store=store,
            name=params.key,
            body=params.body,
            scale=scale,
            caller=caller,
            now=deps.clock(),
            expected_revision=params.expected_revision,
        )

    async def list_calendars(_: NoParams, caller: Caller) -> Any:
        return await directory.list_calendars(store=store, caller=caller)

    async def get_calendar(params: DirectoryKey, caller: Caller) -> Any:
        return await directory.get_calendar(store=store, name=params.key, caller=caller)

    async def create_calendar(body: CalendarCreate, caller: Caller) -> Any:
        return await directory.save_calendar(
            store=store, name=None, body=body, caller=caller, now=deps.clock()
        )

    async def replace_calendar(params: CalendarReplace, caller: Caller) -> Any:
        return await directory.save_calendar(
            store=store,
            name=params.key,
            body=params.body,
            caller=caller,
            now=deps.clock(),
            expected_revision=params.expected_revision,
        )

    async def vocabulary(_: NoParams, caller: Caller) -> DeskVocabulary:
        return await directory.vocabulary(store=store, scale=scale)

    def deleter(kind: Kind) -> rpc.Method:
        async def delete(params: DirectoryKey, caller: Caller) -> None:
            await directory.delete(
                store=store, publisher=publisher, kind=kind, key=params.key, caller=caller
            )

        return rpc.typed(DirectoryKey, delete)

    return {
        M.AGENTS_LIST: rpc.typed(NoParams, list_agents),
        M.AGENTS_GET: rpc.typed(DirectoryKey, get_agent),
        M.AGENTS_CREATE: rpc.typed(AgentCreate, create_agent),
        M.AGENTS_REPLACE: rpc.typed(AgentReplace, replace_agent),
        M.AGENTS_DELETE: deleter("agent"),
        M.TEAMS_LIST: rpc.typed(NoParams, list_teams),
        M.TEAMS_GET: rpc.typed(DirectoryKey, get_team),
        M.TEAMS_CREATE: rpc.typed(TeamCreate, create_team),
        M.TEAMS_REPLACE: rpc.typed(TeamReplace, replace_team),
        M.TEAMS_DELETE: deleter("team"),
        M.LEVELS_LIST: rpc.typed(NoParams, list_levels),
        M.LEVELS_GET: rpc.typed(DirectoryKey, get_level),
        M.LEVELS_CREATE: rpc.typed(LevelCreate, create_level),
        M.LEVELS_REPLACE: rpc.typed(LevelReplace, replace_level),
        M.LEVELS_DELETE: deleter("level"),
        M.CALENDARS_LIST: rpc.typed(NoParams, list_calendars),
        M.CALENDARS_GET: rpc.typed(DirectoryKey, get_calendar),
        M.CALENDARS_CREATE: rpc.typed(CalendarCreate, create_calendar),
        M.CALENDARS_REPLACE: rpc.typed(CalendarReplace, replace_calendar),
        M.CALENDARS_DELETE: deleter("calendar"),
        M.DESK_VOCABULARY: rpc.typed(NoParams, vocabulary),
    }
