"""Agents, teams and levels: the directory ticketing assigns tickets from. Reading is open to
every signed-in caller (agents need to know who they can hand a ticket to); changing is for
administrators."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from contracts.calendars import CalendarCreate, CalendarRead
from contracts.directory_events import AgentChangedV1
from contracts.people import AgentCreate, AgentRead, LevelCreate, LevelRead, TeamCreate, TeamRead
from contracts.rpc import Caller
from contracts.rpc_ticketing import DeskVocabulary
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain.priority import PriorityScale
from ticketing.shared import level_pins, revisions
from ticketing.shared.access import require_active, require_admin
from ticketing.shared.directory_reads import agent, agents
from ticketing.store.directory import DirectoryStore, Entry, Kind

log = logging.getLogger(__name__)

NOUN: dict[Kind, str] = {
    "agent": "agent",
    "team": "team",
    "level": "level",
    "author": "author",
    "calendar": "calendar",
    "group": "group",
    "setting": "setting",
}


def _shown(found: AgentRead, caller: Caller) -> AgentRead:
    """Agents see who their colleagues are, not their addresses: those are for
    administrators and for the agent themselves."""
    if caller.role == "admin" or found.id == caller.id:
        return found
    return found.model_copy(update={"email": ""})


async def list_agents(*, store: DirectoryStore, caller: Caller) -> list[AgentRead]:
    await require_active(store, caller)
    return [_shown(_agent(entry), caller) for entry in await store.read_entries("agent")]


async def get_agent(*, store: DirectoryStore, agent_id: str, caller: Caller) -> AgentRead:
    await require_active(store, caller)
    return _shown(_agent(await _require(store, "agent", agent_id)), caller)


def _agent(entry: Entry) -> AgentRead:
    return AgentRead.model_validate({**entry.body, "revision": entry.revision})


async def save_agent(
    *,
    store: DirectoryStore,
    publisher: EventPublisher,
    agent_id: str | None,
    body: AgentCreate,
    caller: Caller,
    expected_revision: int | None = None,
) -> AgentRead:
    """Create (``agent_id`` None) or replace an agent; its levels and teams must exist. A
    replacement is announced, so the gateway ends the streams of an agent who lost access.
    ``expected_revision``: refuse the replacement (``rpc.Stale``) when the agent has moved
    past it (the same for every ``save_*`` here).

    The agent's levels are held while it is written (as a ticket's level is,
    ``shared.level_pins``): a level deleted at the same moment is either kept (the deletion
    finds the agent on it) or gone before the write, which is then refused (422)."""
    require_admin(caller)
    await _refuse_unknown(store, "level", body.levels, what="level(s)", field="levels")
    await _refuse_unknown(store, "team", body.teams, what="team(s)", field="teams")
    document = body.model_dump(mode="json")
    try:
        async with level_pins.holding_all(store, body.levels):
            revision = await _save(store, "agent", agent_id, body.id, document, expected_revision)
    except level_pins.LevelGone as gone:
        raise rpc.Invalid(str(gone), loc=["levels"]) from None
    if agent_id is not None:
        await _announce(
            publisher, AgentChangedV1(agent_id=body.id, active=body.active, levels=body.levels)
        )
    return AgentRead.model_validate({**document, "revision": revision})


async def _announce(publisher: EventPublisher, event: AgentChangedV1) -> None:
    """Published after the change is stored, not through the outbox: the directory has none.
    A lost announcement costs at most one heartbeat (15 s), after which the gateway asks
    again whether the agent may still listen; every request is checked here anyway."""
    try:
        await publisher.publish(event)
    except Exception:
        log.warning("could not announce the change of agent %s", event.agent_id, exc_info=True)


async def list_teams(*, store: DirectoryStore, caller: Caller) -> list[TeamRead]:
    await require_active(store, caller)
    everyone = await agents(store)
    return [_team(entry, everyone) for entry in await store.read_entries("team")]


async def get_team(*, store: DirectoryStore, name: str, caller: Caller) -> TeamRead:
    await require_active(store, caller)
    return _team(await _require(store, "team", name), await agents(store))


async def save_team(
    *,
    store: DirectoryStore,
    name: str | None,
    body: TeamCreate,
    caller: Caller,
    expected_revision: int | None = None,
) -> TeamRead:
    require_admin(caller)
    document = body.model_dump(mode="json")
    revision = await _save(store, "team", name, body.name, document, expected_revision)
    return _team(Entry(document, revision), await agents(store))


async def list_levels(*, store: DirectoryStore, caller: Caller) -> list[LevelRead]:
    await require_active(store, caller)
    everyone = await agents(store)
    return [_level(entry, everyone) for entry in await store.read_entries("level")]


async def get_level(*, store: DirectoryStore, name: str, caller: Caller) -> LevelRead:
    await require_active(store, caller)
    return _level(await _require(store, "level", name), await agents(store))


async def save_level(
    *,
    store: DirectoryStore,
    name: str | None,
    body: LevelCreate,
    scale: PriorityScale,
    caller: Caller,
    now: datetime | None = None,
    expected_revision: int | None = None,
) -> LevelRead:
    """``now``: when the level's tickets are due for an SLA reading if it changed (the SLA
    clocks' time, which a test moves)."""
    require_admin(caller)
    if body.default_priority is not None and body.default_priority not in scale:
        raise rpc.Invalid(
            f"the default priority {body.default_priority!r} is not on the scale "
            f"({', '.join(scale.levels)})",
            loc=["default_priority"],
        )
    off_scale = sorted(p for p in (body.sla.by_priority if body.sla else {}) if p not in scale)
    if off_scale:
        raise rpc.Invalid(
            f"the SLA names priorities not on the scale: {', '.join(off_scale)} "
            f"(the scale: {', '.join(scale.levels)})",
            loc=["sla", "by_priority"],
        )
    if body.responsible is not None and await agent(store, body.responsible) is None:
        raise rpc.NotFound(f"there is no agent {body.responsible!r}")
    if body.calendar is not None and await store.get_entry("calendar", body.calendar) is None:
        raise rpc.Invalid(
            f"there is no calendar {body.calendar!r}: create it first (POST /v1/calendars)",
            loc=["calendar"],
        )
    unknown = [a for a in body.approvers if await agent(store, a) is None]
    if unknown:
        raise rpc.Invalid(f"there is no agent {', '.join(unknown)}", loc=["approvers"])
    document = body.model_dump(mode="json")
    revision = await _save(store, "level", name, body.name, document, expected_revision)
    if name is not None:
        # Its SLA policy may have changed.
        await store.touch_sla([name], now or datetime.now(UTC))
    return _level(Entry(document, revision), await agents(store))


async def delete(
    *, store: DirectoryStore, publisher: EventPublisher, kind: Kind, key: str, caller: Caller
) -> None:
    """A level or team that still has agents is kept: move them first, so no agent is left
    pointing at something that no longer exists. A level that still has open tickets is
    kept too, so no ticket is left without a calendar, an SLA or agents to route to: the
    store checks and deletes in one step, and a ticket put on the level meanwhile either
    keeps it or is refused (``shared.level_pins``)."""
    require_admin(caller)
    if kind == "calendar":
        users = [b["name"] for b in await store.list_entries("level") if b.get("calendar") == key]
        if users:
            raise rpc.Conflict(
                f"the calendar {key!r} is the calendar of level(s) {', '.join(users)}: "
                "give them another one first"
            )
    if kind in ("level", "team"):
        members = [
            a.id for a in await agents(store) if key in (a.levels if kind == "level" else a.teams)
        ]
        if members:
            raise rpc.Conflict(
                f"the {NOUN[kind]} {key!r} still has agents ({', '.join(members)}): "
                "move them to another one first"
            )
    if kind == "level":
        await _delete_level(store, key)
    elif not await store.delete_entry(kind, key):
        raise rpc.NotFound(f"there is no {NOUN[kind]} {key!r}")
    if kind == "agent":
        await _announce(publisher, AgentChangedV1(agent_id=key, active=False, removed=True))


async def _delete_level(store: DirectoryStore, key: str) -> None:
    done = await store.delete_level(key)
    if done.outcome == "missing":
        raise rpc.NotFound(f"there is no level {key!r}")
    if done.outcome == "agents":
        raise rpc.Conflict(
            f"the level {key!r} still has agents ({', '.join(done.agents)}): "
            "move them to another one first"
        )
    if done.outcome == "open":
        raise rpc.Conflict(
            f"the level {key!r} still has {done.open_tickets} open ticket(s): "
            "move them to another level first"
        )
    if done.outcome == "busy":
        raise rpc.Conflict(
            f"a ticket or an agent is being put on the level {key!r} right now (or it is "
            "already being deleted): try again"
        )


async def list_calendars(*, store: DirectoryStore, caller: Caller) -> list[CalendarRead]:
    await require_active(store, caller)
    return [_calendar(entry) for entry in await store.read_entries("calendar")]


async def get_calendar(*, store: DirectoryStore, name: str, caller: Caller) -> CalendarRead:
    await require_active(store, caller)
    return _calendar(await _require(store, "calendar", name))


async def save_calendar(
    *,
    store: DirectoryStore,
    name: str | None,
    body: CalendarCreate,
    caller: Caller,
    now: datetime | None = None,
    expected_revision: int | None = None,
) -> CalendarRead:
    """Create (``name`` None) or replace a calendar. A replaced calendar moves the deadlines
    of the unclosed tickets whose level uses it: they are due for an SLA reading now, which
    recomputes them and writes a history entry on each (``usecases.sla``)."""
    require_admin(caller)
    document = body.model_dump(mode="json")
    revision = await _save(store, "calendar", name, body.name, document, expected_revision)
    if name is not None:
        users = [b["name"] for b in await store.list_entries("level") if b.get("calendar") == name]
        moved = await store.touch_sla(users, now or datetime.now(UTC))
        log.info("calendar %s changed: %d tickets' deadlines to recompute", name, moved)
    return _calendar(Entry(document, revision))


def _calendar(entry: Entry) -> CalendarRead:
    return CalendarRead.model_validate({**entry.body, "revision": entry.revision})


def _team(entry: Entry, everyone: list[AgentRead]) -> TeamRead:
    name = entry.body["name"]
    return TeamRead(
        **entry.body, agents=[a.id for a in everyone if name in a.teams], revision=entry.revision
    )


def _level(entry: Entry, everyone: list[AgentRead]) -> LevelRead:
    name = entry.body["name"]
    return LevelRead(
        **entry.body, agents=[a.id for a in everyone if name in a.levels], revision=entry.revision
    )


async def _refuse_unknown(
    store: DirectoryStore, kind: Kind, names: list[str], *, what: str, field: str
) -> None:
    known = {body["name"] for body in await store.list_entries(kind)}
    missing = [name for name in names if name not in known]
    if missing:
        raise rpc.Invalid(
            f"{what} {', '.join(missing)} do(es) not exist: create it first", loc=[field]
        )


async def _require(store: DirectoryStore, kind: Kind, key: str) -> Entry:
    entry = await store.read_entry(kind, key)
    if entry is None:
        raise rpc.NotFound(f"there is no {NOUN[kind]} {key!r}")
    return entry


async def _save(
    store: DirectoryStore,
    kind: Kind,
    current: str | None,
    key: str,
    document: dict[str, Any],
    expected_revision: int | None = None,
) -> int:
    """The entry's revision after the write."""
    if current is None:
        if not await store.create_entry(kind, key, document):
            raise rpc.Conflict(f"a {NOUN[kind]} named {key!r} exists already")
        return 1
    if key != current:
        raise rpc.Invalid(f"the {NOUN[kind]}'s name cannot change ({current!r} → {key!r})")
    revision = await store.replace_entry(kind, key, document, expected_revision=expected_revision)
    if revision is None:
        await revisions.refuse_unsaved(
            store, kind, key, f"the {NOUN[kind]} {key!r}", expected_revision
        )
    return revision


async def vocabulary(*, store: DirectoryStore, scale: PriorityScale) -> DeskVocabulary:
    """What a rule may name (the rules service checks a rule against it when it is saved):
    not limited to admins, since the caller is the rules service on an admin's behalf."""
    levels = sorted(body["name"] for body in await store.list_entries("level"))
    calendars = [CalendarRead.model_validate(b) for b in await store.list_entries("calendar")]
    return DeskVocabulary(priorities=list(scale.levels), levels=levels, calendars=calendars)
