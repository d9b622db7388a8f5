"""Use cases for agents, teams and levels: the directory ticketing assigns tickets from."""

from __future__ import annotations

from typing import Any

from contracts.interaction import Interaction
from contracts.people import AgentCreate, AgentRead, LevelCreate, LevelRead, TeamCreate, TeamRead
from servicekit import rpc
from ticketing.domain.priority import PriorityScale
from ticketing.store.directory import DirectoryStore, Kind

NOUN: dict[Kind, str] = {"agent": "agent", "team": "team", "level": "level", "author": "author"}


async def agents(store: DirectoryStore) -> list[AgentRead]:
    return [AgentRead.model_validate(body) for body in await store.list_entries("agent")]


async def agent(store: DirectoryStore, agent_id: str) -> AgentRead | None:
    body = await store.get_entry("agent", agent_id)
    return AgentRead.model_validate(body) if body else None


async def require_agent(store: DirectoryStore, agent_id: str) -> AgentRead:
    found = await agent(store, agent_id)
    if found is None:
        raise rpc.NotFound(f"there is no agent {agent_id!r}")
    return found


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


async def _refuse_unknown(
    store: DirectoryStore, kind: Kind, names: list[str], *, what: str
) -> None:
    known = {body["name"] for body in await store.list_entries(kind)}
    missing = [name for name in names if name not in known]
    if missing:
        raise rpc.Invalid(f"{what} {', '.join(missing)} do(es) not exist: create it first")


async def save_agent(store: DirectoryStore, agent_id: str | None, body: AgentCreate) -> AgentRead:
    """Create (``agent_id`` None) or replace an agent; its levels and teams must exist."""
    await _refuse_unknown(store, "level", body.levels, what="level(s)")
    await _refuse_unknown(store, "team", body.teams, what="team(s)")
    document = body.model_dump(mode="json")
    await _save(store, "agent", agent_id, body.id, document)
    return AgentRead.model_validate(document)


async def teams(store: DirectoryStore) -> list[TeamRead]:
    everyone = await agents(store)
    return [_team(body, everyone) for body in await store.list_entries("team")]


async def team(store: DirectoryStore, name: str) -> TeamRead:
    return _team(await _require(store, "team", name), await agents(store))


def _team(body: dict[str, Any], everyone: list[AgentRead]) -> TeamRead:
    return TeamRead(**body, agents=[a.id for a in everyone if body["name"] in a.teams])


async def save_team(store: DirectoryStore, name: str | None, body: TeamCreate) -> TeamRead:
    document = body.model_dump(mode="json")
    await _save(store, "team", name, body.name, document)
    return _team(document, await agents(store))


async def levels(store: DirectoryStore) -> list[LevelRead]:
    everyone = await agents(store)
    return [_level(body, everyone) for body in await store.list_entries("level")]


async def level(store: DirectoryStore, name: str) -> LevelRead:
    return _level(await _require(store, "level", name), await agents(store))


async def level_settings(store: DirectoryStore, name: str | None) -> LevelRead | None:
    if name is None:
        return None
    body = await store.get_entry("level", name)
    return _level(body, []) if body else None


def _level(body: dict[str, Any], everyone: list[AgentRead]) -> LevelRead:
    return LevelRead(**body, agents=[a.id for a in everyone if body["name"] in a.levels])


async def save_level(
    store: DirectoryStore, name: str | None, body: LevelCreate, scale: PriorityScale
) -> LevelRead:
    if body.default_priority is not None and body.default_priority not in scale:
        raise rpc.Invalid(
            f"the default priority {body.default_priority!r} is not on the scale "
            f"({', '.join(scale.levels)})"
        )
    if body.responsible is not None:
        await require_agent(store, body.responsible)
    document = body.model_dump(mode="json")
    await _save(store, "level", name, body.name, document)
    return _level(document, await agents(store))


async def delete(store: DirectoryStore, kind: Kind, key: str) -> None:
    """A level or team that still has agents is kept: move them first, so no agent is left
    pointing at something that no longer exists."""
    if kind in ("level", "team"):
        members = [
            a.id for a in await agents(store) if key in (a.levels if kind == "level" else a.teams)
        ]
        if members:
            raise rpc.Conflict(
                f"the {NOUN[kind]} {key!r} still has agents ({', '.join(members)}): "
                "move them to another one first"
            )
    if not await store.delete_entry(kind, key):
        raise rpc.NotFound(f"there is no {NOUN[kind]} {key!r}")


async def _require(store: DirectoryStore, kind: Kind, key: str) -> dict[str, Any]:
    body = await store.get_entry(kind, key)
    if body is None:
        raise rpc.NotFound(f"there is no {NOUN[kind]} {key!r}")
    return body


async def _save(
    store: DirectoryStore, kind: Kind, current: str | None, key: str, document: dict[str, Any]
) -> None:
    if current is None:
        if not await store.create_entry(kind, key, document):
            raise rpc.Conflict(f"a {NOUN[kind]} named {key!r} exists already")
        return
    if key != current:
        raise rpc.Invalid(f"the {NOUN[kind]}'s name cannot change ({current!r} → {key!r})")
    if not await store.replace_entry(kind, key, document):
        raise rpc.NotFound(f"there is no {NOUN[kind]} {key!r}")


def author_key(interaction: Interaction) -> str:
    return f"{interaction.channel.value}:{interaction.author.id}"


async def add_author_groups(
    store: DirectoryStore, interaction: Interaction, groups: list[str]
) -> None:
    """Put the author in the groups a rule named (DOMAIN.md F30), keeping the ones they are
    in; only written when something is new."""
    key = author_key(interaction)
    for _ in range(5):
        current = await store.get_entry("author", key)
        known = list((current or {}).get("groups", []))
        merged = known + [g for g in groups if g not in known]
        if current is not None and merged == known:
            return
        body = {"key": key, "groups": merged}
        saved = (
            await store.replace_entry("author", key, body)
            if current is not None
            else await store.create_entry("author", key, body)
        )
        if saved:
            return
    raise RuntimeError(f"could not record the groups of author {key}")


async def author_groups(
    store: DirectoryStore, interactions: list[Interaction]
) -> dict[str, list[str]]:
    keys = {author_key(i) for i in interactions}
    found = {key: await store.get_entry("author", key) for key in keys}
    return {key: list(body.get("groups", [])) for key, body in found.items() if body}


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
