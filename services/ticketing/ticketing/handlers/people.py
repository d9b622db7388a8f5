"""Request/reply methods for people, their unification and groups (docs/domain.md F28-F30)."""

from __future__ import annotations

from typing import Any

from contracts.persons import GroupCreate, PersonQuery, UnificationSettings
from contracts.rpc import Caller
from contracts.rpc_ticketing import (
    DirectoryKey,
    GroupMembership,
    GroupMembersQuery,
    GroupReplace,
    NoParams,
    PersonRef,
    PersonSplitting,
    PersonUnifying,
    PersonUpdate,
    TicketingMethod,
)
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases.people import groups, persons

M = TicketingMethod


def methods(deps: Deps) -> dict[str, rpc.Method]:
    # ``deps.clock``: the time the SLA clocks read, which dates every change here too, so a
    # test that moves it moves these with it.
    store, publisher, clock = deps.store, deps.publisher, deps.clock

    async def list_people(query: PersonQuery, caller: Caller) -> Any:
        return await persons.list_people(store=store, query=query, caller=caller)

    async def get_person(params: PersonRef, caller: Caller) -> Any:
        return await persons.person_detail(store=store, person_id=params.id, caller=caller)

    async def update_person(params: PersonUpdate, caller: Caller) -> Any:
        return await persons.update_person(
            store=store,
            publisher=publisher,
            person_id=params.id,
            patch=params.patch,
            caller=caller,
            now=clock(),
        )

    async def proposals(params: PersonRef, caller: Caller) -> Any:
        return await persons.proposals(store=store, person_id=params.id, caller=caller)

    async def unify(params: PersonUnifying, caller: Caller) -> Any:
        return await persons.unify_people(
            store=store,
            publisher=publisher,
            person_id=params.id,
            unify=params.unify,
            caller=caller,
            now=clock(),
        )

    async def split(params: PersonSplitting, caller: Caller) -> Any:
        return await persons.split_person(
            store=store,
            publisher=publisher,
            person_id=params.id,
            split=params.split,
            caller=caller,
            now=clock(),
        )

    async def get_settings(_: NoParams, caller: Caller) -> Any:
        return await persons.get_settings(store=store, caller=caller)

    async def set_settings(body: UnificationSettings, caller: Caller) -> Any:
        return await persons.set_settings(store=store, body=body, caller=caller)

    async def list_groups(_: NoParams, caller: Caller) -> Any:
        return await groups.list_groups(store=store, caller=caller)

    async def get_group(params: DirectoryKey, caller: Caller) -> Any:
        return await groups.get_group(store=store, name=params.key, caller=caller)

    async def create_group(body: GroupCreate, caller: Caller) -> Any:
        return await groups.create_group(store=store, body=body, caller=caller, now=clock())

    async def replace_group(params: GroupReplace, caller: Caller) -> Any:
        return await groups.replace_group(
            store=store, name=params.key, body=params.body, caller=caller
        )

    async def delete_group(params: DirectoryKey, caller: Caller) -> None:
        await groups.delete_group(store=store, name=params.key, caller=caller)

    async def members(params: GroupMembersQuery, caller: Caller) -> Any:
        return await groups.members(
            store=store,
            name=params.key,
            page=params.page,
            page_size=params.page_size,
            caller=caller,
        )

    def membership(add: bool) -> rpc.Method:
        async def change(params: GroupMembership, caller: Caller) -> Any:
            return await groups.set_member(
                store=store,
                publisher=publisher,
                name=params.key,
                member=params.member,
                add=add,
                caller=caller,
                now=clock(),
            )

        return rpc.typed(GroupMembership, change)

    return {
        M.PEOPLE_LIST: rpc.typed(PersonQuery, list_people),
        M.PEOPLE_GET: rpc.typed(PersonRef, get_person),
        M.PEOPLE_UPDATE: rpc.typed(PersonUpdate, update_person),
        M.PEOPLE_PROPOSALS: rpc.typed(PersonRef, proposals),
        M.PEOPLE_UNIFY: rpc.typed(PersonUnifying, unify),
        M.PEOPLE_SPLIT: rpc.typed(PersonSplitting, split),
        M.PEOPLE_SETTINGS_GET: rpc.typed(NoParams, get_settings),
        M.PEOPLE_SETTINGS_SET: rpc.typed(UnificationSettings, set_settings),
        M.GROUPS_LIST: rpc.typed(NoParams, list_groups),
        M.GROUPS_GET: rpc.typed(DirectoryKey, get_group),
        M.GROUPS_CREATE: rpc.typed(GroupCreate, create_group),
        M.GROUPS_REPLACE: rpc.typed(GroupReplace, replace_group),
        M.GROUPS_DELETE: rpc.typed(DirectoryKey, delete_group),
        M.GROUPS_MEMBERS: rpc.typed(GroupMembersQuery, members),
        M.GROUPS_ADD: membership(True),
        M.GROUPS_REMOVE: membership(False),
    }
