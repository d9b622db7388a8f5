"""Signing in to the console: the single-use links that set an agent's password (an
administrator's invitation, a reset asked for on the sign-in page), the password check, and
the sessions it opens. Kept here because the agents are: deactivating an agent ends their
sessions at once, as every session is read with the agent's current entry.

Only the gateway calls these (as the system or an administrator); agents never do."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from contracts.credentials import (
    AccessLink,
    AccessLinkRequest,
    PasswordSet,
    PasswordSetting,
    SessionEnded,
    SessionKey,
    SessionRead,
    SignInAttempt,
)
from contracts.people import AgentRead
from contracts.rpc import Caller
from servicekit import rpc
from ticketing.shared.access import Forbidden
from ticketing.shared.directory_reads import agent, agents
from ticketing.shared.passwords import digest, hashed, matches
from ticketing.store.directory import DirectoryStore


class SignInRefused(rpc.RpcFailure):
    status = 401
    code = "unauthorized"


class LinkRefused(rpc.RpcFailure):
    status = 410
    code = "expired"


WRONG = "wrong e-mail address or password"
"""The one answer for an unknown address, a wrong password and an inactive agent: the page
must not tell which addresses are agents'."""


def _require_gateway(caller: Caller) -> None:
    if caller.role not in ("admin", "system"):
        raise Forbidden("only the gateway signs agents in")


async def _credential(store: DirectoryStore, agent_id: str) -> dict[str, Any]:
    return await store.get_entry("credential", agent_id) or {}


async def _save_credential(store: DirectoryStore, agent_id: str, body: dict[str, Any]) -> None:
    replaced = await store.replace_entry("credential", agent_id, body)
    if not replaced and not await store.create_entry("credential", agent_id, body):
        await store.replace_entry("credential", agent_id, body)  # created meanwhile


async def _by_email(store: DirectoryStore, email: str) -> AgentRead | None:
    wanted = email.strip().casefold()
    return next((a for a in await agents(store) if a.email.casefold() == wanted), None)


async def issue_link(
    *, store: DirectoryStore, request: AccessLinkRequest, caller: Caller, now: datetime
) -> AccessLink:
    """A new link for the agent, replacing any earlier one. An invitation is an
    administrator's; a reset for an address no active agent has finds nothing, quietly."""
    _require_gateway(caller)
    if request.purpose == "invite" and caller.role != "admin":
        raise Forbidden("only an administrator can invite an agent")
    if request.agent_id is not None:
        found = await agent(store, request.agent_id)
        if found is None:
            raise rpc.NotFound(f"there is no agent {request.agent_id!r}")
        if not found.active:
            raise rpc.Conflict(f"agent {found.id!r} is inactive")
    else:
        found = await _by_email(store, request.email or "")
        if found is None or not found.active:
            return AccessLink(found=False)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=request.ttl_minutes)
    key = digest(token)
    link = {"agent_id": found.id, "purpose": request.purpose, "expires_at": expires.isoformat()}
    await store.create_entry("link", key, link)
    credential = await _credential(store, found.id)
    stale = credential.get("link")
    await _save_credential(store, found.id, {**credential, "agent_id": found.id, "link": key})
    if isinstance(stale, str):
        await store.delete_entry("link", stale)
    return AccessLink(
        agent_id=found.id,
        name=found.name,
        email=found.email,
        language=found.language,
        purpose=request.purpose,
        token=token,
        expires_at=expires,
    )


async def set_password(
    *, store: DirectoryStore, setting: PasswordSetting, caller: Caller, now: datetime
) -> PasswordSet:
    """Follow a link once: the password is set, the link spent (deleting it is the claim, so
    of two requests with one link only one sets a password), every session ended."""
    _require_gateway(caller)
    key = digest(setting.token)
    link = await store.get_entry("link", key)
    if link is None:
        raise LinkRefused("this link was used already or replaced by a newer one")
    agent_id = str(link["agent_id"])
    if (await _credential(store, agent_id)).get("link") != key:
        raise LinkRefused("this link was replaced by a newer one")
    if datetime.fromisoformat(link["expires_at"]) <= now:
        raise LinkRefused("this link has expired: ask for a new one")
    if not await store.delete_entry("link", key):  # spent: of two at once, one gets here
        raise LinkRefused("this link was used already or replaced by a newer one")
    found = await agent(store, agent_id)
    if found is None or not found.active:
        raise LinkRefused("this link's agent is no longer active")
    entry = {"agent_id": agent_id, "password": await hashed(setting.password)}
    await _save_credential(store, agent_id, entry)
    for session in await store.list_entries("session"):
        if session.get("agent_id") == agent_id:
            await store.delete_entry("session", str(session["digest"]))
    return PasswordSet(agent_id=agent_id)


async def open_session(
    *, store: DirectoryStore, attempt: SignInAttempt, caller: Caller, now: datetime
) -> SessionRead:
    _require_gateway(caller)
    found = await _by_email(store, attempt.email)
    stored = (await _credential(store, found.id)).get("password") if found else None
    if not await matches(stored, attempt.password) or found is None or not found.active:
        raise SignInRefused(WRONG)
    expires = now + timedelta(minutes=attempt.ttl_minutes)
    key = digest(attempt.session)
    body = {"digest": key, "agent_id": found.id, "expires_at": expires.isoformat()}
    if not await store.create_entry("session", key, body):
        raise rpc.Conflict("that session secret is taken: draw another")
    return SessionRead(agent=found, expires_at=expires)


async def read_session(
    *, store: DirectoryStore, key: SessionKey, caller: Caller, now: datetime
) -> SessionRead:
    """The session's agent as they are now: refused once it expired, was ended, or its agent
    was deactivated or removed."""
    _require_gateway(caller)
    session = await store.get_entry("session", digest(key.session))
    if session is None:
        raise SignInRefused("the session has ended: sign in again")
    expires = datetime.fromisoformat(session["expires_at"])
    if expires <= now:
        await store.delete_entry("session", digest(key.session))
        raise SignInRefused("the session has expired: sign in again")
    found = await agent(store, str(session["agent_id"]))
    if found is None or not found.active:
        raise SignInRefused("the agent is no longer active")
    return SessionRead(agent=found, expires_at=expires)


async def end_session(*, store: DirectoryStore, key: SessionKey, caller: Caller) -> SessionEnded:
    _require_gateway(caller)
    return SessionEnded(ended=await store.delete_entry("session", digest(key.session)))
