"""Groups of people (docs/domain.md F30): VIP, press, doctors… Admins create and rename them;
agents put the people they may see in them and take them out, each change a line of the
person's history; rules put authors in them (``shared.authors``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contracts.persons import (
    GroupCreate,
    GroupMember,
    GroupRead,
    PersonPage,
    PersonQuery,
    PersonRead,
)
from contracts.rpc import Caller
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import persons
from ticketing.domain.persons import PersonRecord
from ticketing.shared import access
from ticketing.shared import persons as shared
from ticketing.shared.person_access import find_person, sees
from ticketing.store.port import TicketStore
from ticketing.usecases.people.persons import read


def _group(body: dict[str, Any]) -> GroupRead:
    return GroupRead.model_validate(body)


async def list_groups(*, store: TicketStore, caller: Caller) -> list[GroupRead]:
    await access.require_active(store, caller)
    return [_group(b) for b in await store.list_entries("group")]


async def get_group(*, store: TicketStore, name: str, caller: Caller) -> GroupRead:
    await access.require_active(store, caller)
    return _group(await _require(store, name))


async def create_group(
    *, store: TicketStore, body: GroupCreate, caller: Caller, now: datetime | None = None
) -> GroupRead:
    access.require_admin(caller)
    group = GroupRead(
        name=body.name,
        description=body.description,
        created_at=now or datetime.now(UTC),
        created_by=access.actor_of(caller),
    )
    if not await store.create_entry("group", _key(body.name), group.model_dump(mode="json")):
        raise rpc.Conflict(f"there is already a group {body.name!r}")
    return group


async def replace_group(
    *, store: TicketStore, name: str, body: GroupCreate, caller: Caller
) -> GroupRead:
    """Only the description changes: a group's name is what people and rules hold."""
    access.require_admin(caller)
    current = _group(await _require(store, name))
    if _key(body.name) != _key(name):
        raise rpc.Invalid("a group keeps its name; create another group instead", loc=["name"])
    group = current.model_copy(update={"description": body.description})
    await store.replace_entry("group", _key(name), group.model_dump(mode="json"))
    return group


async def delete_group(*, store: TicketStore, name: str, caller: Caller) -> None:
    """A group with members is kept: take them out first, so nobody is left in a group that
    no longer exists."""
    access.require_admin(caller)
    await _require(store, name)
    if await store.people_with([f"group:{_key(name)}"], limit=1):
        raise rpc.Conflict(f"the group {name!r} still has members: take them out first")
    await store.delete_entry("group", _key(name))


async def members(
    *, store: TicketStore, name: str, page: int, page_size: int, caller: Caller
) -> PersonPage:
    await _require(store, name)
    seen = await access.interaction_visibility(store, caller)
    found, more = await store.list_people(PersonQuery(group=[name], page=page, page_size=page_size))
    shown = [read(p) for p in found if await sees(store, p, seen)]
    return PersonPage(items=shown, page=page, page_size=page_size, more=more)


async def set_member(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    name: str,
    member: GroupMember,
    add: bool,
    caller: Caller,
    now: datetime | None = None,
) -> PersonRead:
    """``now``: when the membership changed, in the person's history."""
    group = _group(await _require(store, name))
    await find_person(store, member.person, caller)
    moment = now or datetime.now(UTC)

    async def attempt() -> PersonRecord:
        current = await store.get_person(member.person)
        if current is None:
            raise rpc.NotFound(f"no person {member.person}")
        changed = persons.set_group(
            current,
            group.name,
            member=add,
            actor=access.actor_of(caller),
            now=moment,
            reason=member.reason,
        )
        if changed is current:
            return current
        [saved] = await shared.written(store, publisher, save=[changed])
        return saved

    return read(await shared.retrying(attempt, what=f"person {member.person}"))


def _key(name: str) -> str:
    return name.casefold()


async def _require(store: TicketStore, name: str) -> dict[str, Any]:
    body = await store.get_entry("group", _key(name))
    if body is None:
        raise rpc.NotFound(f"there is no group {name!r}")
    return body
