"""Request/reply methods for signing in to the console (``credentials.*``, ``sessions.*``)."""

from __future__ import annotations

from datetime import UTC, datetime

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
from contracts.rpc import Caller
from contracts.rpc_ticketing import TicketingMethod
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import credentials

M = TicketingMethod


def methods(deps: Deps) -> dict[str, rpc.Method]:
    store = deps.store

    async def issue_link(request: AccessLinkRequest, caller: Caller) -> AccessLink:
        return await credentials.issue_link(
            store=store, request=request, caller=caller, now=datetime.now(UTC)
        )

    async def set_password(setting: PasswordSetting, caller: Caller) -> PasswordSet:
        return await credentials.set_password(
            store=store, setting=setting, caller=caller, now=datetime.now(UTC)
        )

    async def open_session(attempt: SignInAttempt, caller: Caller) -> SessionRead:
        return await credentials.open_session(
            store=store, attempt=attempt, caller=caller, now=datetime.now(UTC)
        )

    async def read_session(key: SessionKey, caller: Caller) -> SessionRead:
        return await credentials.read_session(
            store=store, key=key, caller=caller, now=datetime.now(UTC)
        )

    async def end_session(key: SessionKey, caller: Caller) -> SessionEnded:
        return await credentials.end_session(store=store, key=key, caller=caller)

    return {
        M.CREDENTIALS_LINK: rpc.typed(AccessLinkRequest, issue_link),
        M.CREDENTIALS_SET_PASSWORD: rpc.typed(PasswordSetting, set_password),
        M.SESSIONS_OPEN: rpc.typed(SignInAttempt, open_session),
        M.SESSIONS_GET: rpc.typed(SessionKey, read_session),
        M.SESSIONS_END: rpc.typed(SessionKey, end_session),
    }
