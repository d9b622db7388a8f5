"""Canned responses (docs/domain.md F20): kept as directory entries (both stores), seen and
changed by scope — global (everyone sees, admins write), level and team (their agents, and
admins), personal (the owner alone) — with a shortcut unique within its scope and the
placeholders checked when saved and filled when a reply uses one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.canned import CannedCreate, CannedQuery, CannedRead
from contracts.people import AgentRead
from contracts.rpc import Caller
from servicekit import rpc
from ticketing.domain import canned
from ticketing.shared import directory_reads, revisions
from ticketing.shared.access import Forbidden, require_active
from ticketing.store.directory import DirectoryStore, Entry


async def list_canned(
    *, store: DirectoryStore, query: CannedQuery, caller: Caller
) -> list[CannedRead]:
    """What the caller sees, matching ``q`` (text, title or shortcut) and ``shortcut`` (its
    start), by shortcut."""
    agent = await _agent(store, caller)
    wanted = (query.q or "").lower()
    start = (query.shortcut or "").lstrip("/").lower()
    found = []
    for entry in await store.read_entries("canned"):
        item = _read(entry)
        if not _sees(item, caller, agent):
            continue
        if query.scope is not None and item.scope != query.scope:
            continue
        if start and not item.shortcut.startswith(start):
            continue
        if wanted and not any(wanted in f.lower() for f in (item.text, item.title, item.shortcut)):
            continue
        found.append(item)
    found.sort(key=lambda item: (item.shortcut, item.scope, item.scope_key or ""))
    return found[: query.limit]


async def get_canned(*, store: DirectoryStore, canned_id: UUID, caller: Caller) -> CannedRead:
    agent = await _agent(store, caller)
    return await _visible(store, canned_id, caller, agent)


async def create_canned(
    *, store: DirectoryStore, body: CannedCreate, caller: Caller, now: datetime | None = None
) -> CannedRead:
    agent = await _agent(store, caller)
    item = await _checked(
        store, body, caller, agent, canned_id=uuid4(), created_by=caller.id, now=now
    )
    if not await store.create_entry("canned_shortcut", _shortcut_key(item), {"id": str(item.id)}):
        raise _taken(item)
    await store.create_entry("canned", str(item.id), _document(item))
    return item.model_copy(update={"revision": 1})


async def replace_canned(
    *,
    store: DirectoryStore,
    canned_id: UUID,
    body: CannedCreate,
    caller: Caller,
    now: datetime | None = None,
    expected_revision: int | None = None,
) -> CannedRead:
    """``expected_revision``: refused (``rpc.Stale``) when the response has moved past it,
    and then its shortcut stays as it was."""
    agent = await _agent(store, caller)
    before = await _visible(store, canned_id, caller, agent)
    _require_writer(before.scope, before.scope_key, caller, agent)
    item = await _checked(
        store, body, caller, agent, canned_id=canned_id, created_by=before.created_by, now=now
    )
    old_key, new_key = _shortcut_key(before), _shortcut_key(item)
    if new_key != old_key and not await store.create_entry(
        "canned_shortcut", new_key, {"id": str(canned_id)}
    ):
        raise _taken(item)
    revision = await store.replace_entry(
        "canned", str(canned_id), _document(item), expected_revision=expected_revision
    )
    if revision is None:
        if new_key != old_key:
            await store.delete_entry("canned_shortcut", new_key)
        what = f"the canned response {canned_id}"
        await revisions.refuse_unsaved(store, "canned", str(canned_id), what, expected_revision)
    if new_key != old_key:
        await store.delete_entry("canned_shortcut", old_key)
    return item.model_copy(update={"revision": revision})


async def delete_canned(*, store: DirectoryStore, canned_id: UUID, caller: Caller) -> None:
    agent = await _agent(store, caller)
    item = await _visible(store, canned_id, caller, agent)
    _require_writer(item.scope, item.scope_key, caller, agent)
    await store.delete_entry("canned", str(canned_id))
    await store.delete_entry("canned_shortcut", _shortcut_key(item))


async def for_reply(store: DirectoryStore, canned_id: UUID, caller: Caller) -> CannedRead:
    """The canned response a reply uses: one the caller sees, else 422 (the reply's field)."""
    agent = await _agent(store, caller)
    body = await store.get_entry("canned", str(canned_id))
    item = CannedRead.model_validate(body) if body else None
    if item is None or not _sees(item, caller, agent):
        raise rpc.Invalid(
            f"there is no canned response {canned_id} you may use", loc=["canned_response"]
        )
    return item


def filled(item: CannedRead, values: dict[str, str], extra: str) -> str:
    """The canned text with its placeholders filled, then the agent's own text after it."""
    text = canned.fill(item.text, values)
    return f"{text}\n\n{extra}" if extra else text


async def _agent(store: DirectoryStore, caller: Caller) -> AgentRead | None:
    """The calling agent (None for admins and the system), active, or 403."""
    await require_active(store, caller)
    if caller.role != "agent":
        return None
    return await directory_reads.agent(store, caller.id)


def _sees(item: CannedRead, caller: Caller, agent: AgentRead | None) -> bool:
    if item.scope == "global":
        return True
    if item.scope == "personal":
        return item.scope_key == caller.id
    if agent is None:
        return True  # admins see every level's and team's
    pool = agent.levels if item.scope == "level" else agent.teams
    return item.scope_key in pool


def _require_writer(scope: str, key: str | None, caller: Caller, agent: AgentRead | None) -> None:
    if scope == "personal":
        if key != caller.id:
            raise Forbidden("a personal canned response is changed by its owner alone")
        return
    if agent is None:
        return  # admins write global, level and team responses
    if scope == "global":
        raise Forbidden("only an administrator writes global canned responses")
    pool = agent.levels if scope == "level" else agent.teams
    if key not in pool:
        raise Forbidden(f"you are not in {scope} {key!r}")


async def _visible(
    store: DirectoryStore, canned_id: UUID, caller: Caller, agent: AgentRead | None
) -> CannedRead:
    entry = await store.read_entry("canned", str(canned_id))
    item = _read(entry) if entry else None
    if item is None or not _sees(item, caller, agent):
        raise rpc.NotFound(f"there is no canned response {canned_id}")
    return item


def _read(entry: Entry) -> CannedRead:
    return CannedRead.model_validate({**entry.body, "revision": entry.revision})


def _document(item: CannedRead) -> dict[str, Any]:
    """What is stored: the revision is the store's, beside the document."""
    return item.model_dump(mode="json", exclude={"revision"})


async def _checked(
    store: DirectoryStore,
    body: CannedCreate,
    caller: Caller,
    agent: AgentRead | None,
    *,
    canned_id: UUID,
    created_by: str,
    now: datetime | None,
) -> CannedRead:
    try:
        placeholders = canned.placeholders_in(body.text)
    except canned.PlaceholderRefused as refused:
        raise rpc.Invalid(str(refused), loc=["text"]) from None
    key = _scope_key(body, caller)
    if body.scope in ("level", "team") and await store.get_entry(body.scope, key or "") is None:
        raise rpc.Invalid(f"there is no {body.scope} {key!r}", loc=["scope_key"])
    _require_writer(body.scope, key, caller, agent)
    return CannedRead(
        id=canned_id,
        shortcut=body.shortcut,
        title=body.title,
        text=body.text,
        scope=body.scope,
        scope_key=key,
        placeholders=placeholders,
        created_by=created_by,
        updated_at=now or datetime.now(UTC),
    )


def _scope_key(body: CannedCreate, caller: Caller) -> str | None:
    if body.scope == "global":
        return None
    if body.scope == "personal":
        return caller.id
    if not body.scope_key:
        raise rpc.Invalid(
            f"a {body.scope} canned response names its {body.scope}", loc=["scope_key"]
        )
    return body.scope_key


def _shortcut_key(item: CannedRead) -> str:
    return f"{item.scope}:{item.scope_key or ''}:{item.shortcut}"


def _taken(item: CannedRead) -> rpc.Conflict:
    where: Any = "globally" if item.scope == "global" else f"in {item.scope} {item.scope_key!r}"
    return rpc.Conflict(f"the shortcut /{item.shortcut} is already used {where}")
